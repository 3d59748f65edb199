package t2t.loader.transform;

/**
 * The training augmentation settings of timm's {@code create_transform(is_training=True, ...)}.
 *
 * @param autoAugment a RandAugment policy string, or null/"none" for none; when set, ColorJitter is off
 * @param colorJitter brightness = contrast = saturation strength; 0 turns it off
 * @param interpolation the RRC and RandAugment filter; null means the model's
 * @param reProb RandomErasing probability; 0 turns it off
 */
public record AugmentConfig(double scaleMin, double scaleMax, double ratioMin, double ratioMax, double hflip,
                            String autoAugment, double colorJitter, Interpolation interpolation,
                            double reProb, EraseMode reMode, int reCount, int padCrop) {

    /** With RandomResizedCrop ({@code padCrop} -1). */
    public AugmentConfig(double scaleMin, double scaleMax, double ratioMin, double ratioMax, double hflip,
                         String autoAugment, double colorJitter, Interpolation interpolation,
                         double reProb, EraseMode reMode, int reCount) {
        this(scaleMin, scaleMax, ratioMin, ratioMax, hflip, autoAugment, colorJitter, interpolation, reProb, reMode,
                reCount, -1);
    }

    /**
     * Replaces RandomResizedCrop by {@link RandomPadCrop} with this padding (small-image recipes:
     * Fashion-MNIST, CIFAR); -1 goes back to RandomResizedCrop.
     */
    public AugmentConfig withPadCrop(int pad) {
        return new AugmentConfig(scaleMin, scaleMax, ratioMin, ratioMax, hflip, autoAugment, colorJitter, interpolation,
                reProb, reMode, reCount, pad);
    }

    /** DeiT's (and T2T-ViT's) recipe: RRC(0.08-1, 3/4-4/3), flip 0.5, rand-m9-mstd0.5-inc1, RE 0.25 pixel. */
    public static AugmentConfig deit() {
        return new AugmentConfig(0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0, 0.5, "rand-m9-mstd0.5-inc1", 0.4,
                Interpolation.BICUBIC, 0.25, EraseMode.PIXEL, 1);
    }

    public AugmentConfig withAutoAugment(String policy) {
        return new AugmentConfig(scaleMin, scaleMax, ratioMin, ratioMax, hflip, policy, colorJitter, interpolation,
                reProb, reMode, reCount);
    }

    public AugmentConfig withReProb(double prob) {
        return new AugmentConfig(scaleMin, scaleMax, ratioMin, ratioMax, hflip, autoAugment, colorJitter,
                interpolation, prob, reMode, reCount);
    }

    public AugmentConfig withInterpolation(Interpolation filter) {
        return new AugmentConfig(scaleMin, scaleMax, ratioMin, ratioMax, hflip, autoAugment, colorJitter, filter,
                reProb, reMode, reCount);
    }

    boolean hasAutoAugment() {
        return autoAugment != null && !autoAugment.isBlank() && !autoAugment.equalsIgnoreCase("none");
    }
}
