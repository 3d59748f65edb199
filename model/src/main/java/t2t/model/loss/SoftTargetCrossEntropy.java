package t2t.model.loss;

import ai.djl.ndarray.NDArray;

/**
 * timm's {@code SoftTargetCrossEntropy}: {@code mean over rows of sum_c -t_c * log_softmax(x)_c}.
 * Any leading shape works ({@code [B, C]} or {@code [B, N, C]}: the mean is then over all B*N
 * rows, which is Token Labeling's dense-loss normalisation).
 */
public final class SoftTargetCrossEntropy {

    private SoftTargetCrossEntropy() {}

    /**
     * @param logits {@code [..., C]}
     * @param target probabilities, same shape as logits
     * @return scalar loss, differentiable in {@code logits}
     */
    public static NDArray apply(NDArray logits, NDArray target) {
        if (!logits.getShape().equals(target.getShape())) {
            throw new IllegalArgumentException(
                    "logits " + logits.getShape() + " and soft targets " + target.getShape() + " differ in shape");
        }
        return target.mul(logits.logSoftmax(-1)).sum(new int[] {-1}).neg().mean();
    }
}
