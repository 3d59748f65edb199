package t2t.loader.transform;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Resampling filter, as timm names it. {@link #RANDOM} is timm's train default: every call of a
 * geometric op (the crop's resize, each RandAugment shear/translate/rotate) picks bilinear or
 * bicubic with equal probability.
 */
public enum Interpolation {
    BILINEAR, BICUBIC, RANDOM;

    /** The filter for one call; draws from {@code rng} only when this is {@link #RANDOM}. */
    public Interpolation pick(SplittableRandom rng) {
        if (this != RANDOM) {
            return this;
        }
        return rng.nextBoolean() ? BILINEAR : BICUBIC;
    }

    public static Interpolation parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new t2t.protocol.UserInputException("unknown interpolation '" + name
                    + "': use bilinear, bicubic or random");
        }
    }
}
