package t2t.loader.mix;

/**
 * timm's {@code Mixup(...)} arguments. DeiT: {@link #deit(int)}.
 *
 * @param cutmixMinMax null, or {min, max} box side fractions (forces cutmix alpha 1 and lambda correction)
 * @param prob probability that a batch (or pair, or element) is mixed at all
 * @param switchProb probability of CutMix rather than Mixup when both alphas are on
 * @param correctLam set lambda from the clipped box area (timm's {@code correct_lam})
 */
public record MixupConfig(double mixupAlpha, double cutmixAlpha, double[] cutmixMinMax, double prob,
                          double switchProb, MixMode mode, boolean correctLam, double labelSmoothing,
                          int numClasses) {

    public MixupConfig {
        if (cutmixMinMax != null) {
            if (cutmixMinMax.length != 2 || !(cutmixMinMax[0] >= 0) || !(cutmixMinMax[1] <= 1)
                    || cutmixMinMax[0] > cutmixMinMax[1]) {
                throw new t2t.protocol.UserInputException("cutmix min/max must be two fractions 0 <= min <= max <= 1");
            }
            cutmixMinMax = cutmixMinMax.clone();
            cutmixAlpha = 1.0;
        }
        if (mixupAlpha < 0 || cutmixAlpha < 0) {
            throw new t2t.protocol.UserInputException("mixup and cutmix alphas must be >= 0 (0 turns one off)");
        }
        if (numClasses <= 0) {
            throw new IllegalArgumentException("numClasses must be positive");
        }
    }

    /** DeiT's: mixup 0.8, cutmix 1.0, prob 1, switch 0.5, batch mode, smoothing 0.1. */
    public static MixupConfig deit(int numClasses) {
        return new MixupConfig(0.8, 1.0, null, 1.0, 0.5, MixMode.BATCH, true, 0.1, numClasses);
    }

    /** True when mixing can happen at all (timm builds no Mixup otherwise). */
    public boolean active() {
        return (mixupAlpha > 0 || cutmixAlpha > 0) && prob > 0;
    }
}
