package t2t.loader.mix;

import java.util.Locale;

/**
 * timm {@code Mixup} modes: one draw for the whole batch, one per pair {@code (i, B-1-i)} (a
 * swap: both get the same lambda and box), or one per element (each mixes from the unmixed batch).
 */
public enum MixMode {
    BATCH, PAIR, ELEM;

    public static MixMode parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new t2t.protocol.UserInputException("unknown mixup mode '" + name + "': use batch, pair or elem");
        }
    }
}
