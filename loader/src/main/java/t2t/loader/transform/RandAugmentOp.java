package t2t.loader.transform;

import java.util.SplittableRandom;

/**
 * timm's RandAugment ops ({@code auto_augment.py}, names as in its op tables): how a magnitude
 * becomes an argument (the {@code *_level_to_arg} functions, with {@code _LEVEL_DENOM = 10} and
 * the random sign where timm negates) and the Pillow op it runs.
 */
public enum RandAugmentOp {
    AUTO_CONTRAST("AutoContrast"),
    EQUALIZE("Equalize"),
    INVERT("Invert"),
    ROTATE("Rotate"),
    POSTERIZE("Posterize"),
    POSTERIZE_INCREASING("PosterizeIncreasing"),
    SOLARIZE("Solarize"),
    SOLARIZE_INCREASING("SolarizeIncreasing"),
    SOLARIZE_ADD("SolarizeAdd"),
    COLOR("Color"),
    COLOR_INCREASING("ColorIncreasing"),
    CONTRAST("Contrast"),
    CONTRAST_INCREASING("ContrastIncreasing"),
    BRIGHTNESS("Brightness"),
    BRIGHTNESS_INCREASING("BrightnessIncreasing"),
    SHARPNESS("Sharpness"),
    SHARPNESS_INCREASING("SharpnessIncreasing"),
    SHEAR_X("ShearX"),
    SHEAR_Y("ShearY"),
    TRANSLATE_X_REL("TranslateXRel"),
    TRANSLATE_Y_REL("TranslateYRel");

    static final double LEVEL_DENOM = 10.0;
    /** timm's default {@code translate_pct} for the *Rel translates. */
    static final double TRANSLATE_PCT = 0.45;

    public final String timmName;

    RandAugmentOp(String timmName) {
        this.timmName = timmName;
    }

    /** {@code _randomly_negate}: {@code -v if random() > 0.5 else v}. */
    private static double negate(double v, SplittableRandom rng) {
        return rng.nextDouble() > 0.5 ? -v : v;
    }

    /**
     * The op's argument at {@code magnitude}, drawing the sign from {@code rng} for signed ops
     * (the draw happens exactly where timm draws it). NaN for ops without an argument.
     */
    public double argument(double magnitude, SplittableRandom rng) {
        double level = magnitude / LEVEL_DENOM;
        return switch (this) {
            case AUTO_CONTRAST, EQUALIZE, INVERT -> Double.NaN;
            case ROTATE -> negate(level * 30.0, rng);
            case POSTERIZE -> (int) (level * 4);
            case POSTERIZE_INCREASING -> 4 - (int) (level * 4);
            case SOLARIZE -> Math.min(256, (int) (level * 256));
            case SOLARIZE_INCREASING -> 256 - Math.min(256, (int) (level * 256));
            case SOLARIZE_ADD -> Math.min(128, (int) (level * 110));
            case COLOR, CONTRAST, BRIGHTNESS, SHARPNESS -> level * 1.8 + 0.1;
            case COLOR_INCREASING, CONTRAST_INCREASING, BRIGHTNESS_INCREASING, SHARPNESS_INCREASING ->
                    Math.max(0.1, 1.0 + negate(level * 0.9, rng));
            case SHEAR_X, SHEAR_Y -> negate(level * 0.3, rng);
            case TRANSLATE_X_REL, TRANSLATE_Y_REL -> negate(level * TRANSLATE_PCT, rng);
        };
    }

    /**
     * Runs the op with a ready argument on {@code f} (result left in {@code f.pixels}).
     * {@code filter} must be concrete (bilinear or bicubic); {@code fill} has one value per channel.
     */
    public void apply(Frame f, double arg, Interpolation filter, int[] fill) {
        int w = f.width;
        int h = f.height;
        int ch = f.channels;
        int n = f.size();
        byte[] src = f.pixels;
        byte[] dst = f.spare;
        switch (this) {
            case AUTO_CONTRAST -> PillowLut.autocontrast(src, n, ch, dst);
            case EQUALIZE -> PillowLut.equalize(src, n, ch, dst);
            case INVERT -> PillowLut.invert(src, n, dst);
            case ROTATE -> PillowAffine.rotate(src, w, h, ch, arg, filter, fill, dst);
            case POSTERIZE, POSTERIZE_INCREASING -> PillowLut.posterize(src, n, (int) arg, dst);
            case SOLARIZE, SOLARIZE_INCREASING -> PillowLut.solarize(src, n, (int) arg, dst);
            case SOLARIZE_ADD -> PillowLut.solarizeAdd(src, n, (int) arg, dst);
            case COLOR, COLOR_INCREASING -> PillowEnhance.color(src, w, h, ch, arg, f.scratch, dst);
            case CONTRAST, CONTRAST_INCREASING -> PillowEnhance.contrast(src, w, h, ch, arg, dst);
            case BRIGHTNESS, BRIGHTNESS_INCREASING -> PillowEnhance.brightness(src, w, h, ch, arg, dst);
            case SHARPNESS, SHARPNESS_INCREASING -> PillowEnhance.sharpness(src, w, h, ch, arg, f.scratch, dst);
            case SHEAR_X -> PillowAffine.affine(src, w, h, ch, new double[] {1, arg, 0, 0, 1, 0}, filter, fill, dst);
            case SHEAR_Y -> PillowAffine.affine(src, w, h, ch, new double[] {1, 0, 0, arg, 1, 0}, filter, fill, dst);
            case TRANSLATE_X_REL -> PillowAffine.affine(src, w, h, ch, new double[] {1, 0, arg * w, 0, 1, 0}, filter, fill, dst);
            case TRANSLATE_Y_REL -> PillowAffine.affine(src, w, h, ch, new double[] {1, 0, 0, 0, 1, arg * h}, filter, fill, dst);
        }
        f.swap();
    }

    /** True for the ops that resample (and so take an interpolation). */
    public boolean geometric() {
        return this == ROTATE || this == SHEAR_X || this == SHEAR_Y || this == TRANSLATE_X_REL || this == TRANSLATE_Y_REL;
    }
}
