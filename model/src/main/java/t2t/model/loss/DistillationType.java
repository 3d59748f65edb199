package t2t.model.loss;

import java.util.Locale;
import t2t.protocol.UserInputException;

/** DeiT's {@code --distillation-type}. */
public enum DistillationType {
    NONE, SOFT, HARD;

    /** Parses {@code none|soft|hard} (any case); a bad value names the choices. */
    public static DistillationType parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserInputException(
                    "unknown distillation type '" + s + "': use none, soft or hard");
        }
    }

    public String flag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
