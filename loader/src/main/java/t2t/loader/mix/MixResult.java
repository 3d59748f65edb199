package t2t.loader.mix;

/**
 * What a {@link Mixup} call did to a batch of {@code B} samples.
 *
 * @param targets soft targets, {@code B x numClasses} row-major: {@code lam_i * onehot(y_i) +
 *     (1 - lam_i) * onehot(y_{B-1-i})} with smoothing (off = s/C, on = 1 - s + off)
 * @param lambdas per sample, the weight of its own image after mixing (area-corrected for CutMix;
 *     1 for unmixed samples)
 * @param boxes per sample, the pixel box pasted from its partner {@code B-1-i}, or null where the
 *     sample was mixed by Mixup or not at all
 * @param tokenBoxes the same boxes in token coordinates when a token grid was given, else null
 */
public record MixResult(float[] targets, MixMode mode, float[] lambdas, CutBox[] boxes, CutBox[] tokenBoxes) {

    /** The partner whose pixels sample {@code i} received: timm's {@code x.flip(0)}. */
    public static int partner(int i, int batch) {
        return batch - 1 - i;
    }
}
