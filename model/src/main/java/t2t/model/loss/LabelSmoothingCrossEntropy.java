package t2t.model.loss;

import t2t.model.layers.HostArrays;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * timm's {@code LabelSmoothingCrossEntropy}: per sample {@code (1 - s) * nll + s * mean_c(-log p_c)},
 * averaged over the batch. Equals {@link SoftTargetCrossEntropy} against timm's smoothed one-hot
 * targets ({@link #smoothedOneHot}).
 */
public final class LabelSmoothingCrossEntropy {

    private final float smoothing;

    public LabelSmoothingCrossEntropy(double smoothing) {
        if (!(smoothing >= 0 && smoothing < 1)) {
            throw new IllegalArgumentException("smoothing must be in [0, 1), got " + smoothing);
        }
        this.smoothing = (float) smoothing;
    }

    /**
     * @param logits {@code [B, C]}
     * @param labels class indices {@code [B]}, an integer type
     */
    public NDArray apply(NDArray logits, NDArray labels) {
        long classes = logits.getShape().get(logits.getShape().dimension() - 1);
        NDArray logProbs = logits.logSoftmax(-1);
        NDArray nll = labels.oneHot((int) classes).toType(logits.getDataType(), false)
                .mul(logProbs).sum(new int[] {-1}).neg();
        NDArray smooth = logProbs.mean(new int[] {-1}).neg();
        return nll.mul(HostArrays.scalar(nll, 1 - smoothing)).add(smooth.mul(HostArrays.scalar(smooth, smoothing))).mean();
    }

    /**
     * timm's mixup-style smoothed one-hot: {@code s / C} everywhere, {@code 1 - s + s / C} on the
     * label. With these targets SoftTargetCrossEntropy equals this loss.
     */
    public static NDArray smoothedOneHot(NDArray labels, int classes, double smoothing) {
        float off = (float) (smoothing / classes);
        float on = (float) (1 - smoothing) + off;
        return labels.oneHot(classes).toType(DataType.FLOAT32, false).mul(on - off).add(off);
    }
}
