package t2t.model.loss;

import java.util.Locale;

/** DeiT's {@code --distillation-type}. */
public enum DistillationType {
    NONE, SOFT, HARD;

    /** Parses {@code none|soft|hard} (any case); a bad value names the choices. */
    public static DistillationType parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new t2t.protocol.UserInputException(
                    "unknown distillation type '" + s + "': use none, soft or hard");
        }
    }

    public String flag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
