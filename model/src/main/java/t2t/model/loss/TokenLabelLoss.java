package t2t.model.loss;

import ai.djl.ndarray.NDArray;

/**
 * Token Labeling's dense term: {@code mean over B*N tokens of SoftCE(aux_t, y_t)}, where the
 * {@code y_t} are the teacher's per-token probabilities. The class-token term and the weights are
 * applied by {@link Objective}.
 */
public final class TokenLabelLoss {

    private TokenLabelLoss() {}

    /**
     * @param auxLogits {@code [B, N, C]} the aux head on every patch token
     * @param tokenTargets {@code [B, N, C]} probabilities (rows sum to 1)
     */
    public static NDArray apply(NDArray auxLogits, NDArray tokenTargets) {
        if (auxLogits.getShape().dimension() != 3) {
            throw new IllegalArgumentException("aux logits must be [B, N, C], got " + auxLogits.getShape());
        }
        return SoftTargetCrossEntropy.apply(auxLogits, tokenTargets.stopGradient());
    }
}
