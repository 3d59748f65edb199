package t2t.model.loss;

import t2t.model.layers.HostArrays;
import ai.djl.ndarray.NDArray;

/**
 * The student's training loss, one call per step:
 *
 * <pre>
 *   base    = SoftCE(cls, y)                         y: mixed + smoothed targets [B, C]
 *   class   = base                                    distillation none
 *           = (1 - alpha) * base + alpha * distill   distillation soft|hard (DeiT)
 *   total   = class                                   no token labeling
 *           = clsWeight * class + denseWeight * mean_{B*N} SoftCE(aux_t, y_t)   (Token Labeling)
 * </pre>
 *
 * The distillation term uses the distillation-token logits, or the cls logits when the student has
 * no distillation token (then both terms pull on the same head). Every configured input is
 * required: a missing teacher or token target is a wiring error, thrown, never silently skipped.
 */
public final class Objective {

    /** Result: {@code total} for backward; the parts for logging. */
    public record Result(NDArray total, NDArray base, NDArray distill, NDArray dense) {
        /** Reads the scalars back to the host: a sync point, call once per logged step. */
        public LossParts parts() {
            return new LossParts(
                    total.getFloat(), base.getFloat(),
                    distill == null ? 0f : distill.getFloat(),
                    dense == null ? 0f : dense.getFloat());
        }
    }

    private final DistillationLoss distillation;
    private final float alpha;
    private final boolean tokenLabel;
    private final float clsWeight;
    private final float denseWeight;

    private Objective(Builder b) {
        this.distillation = new DistillationLoss(b.distillationType, b.tau);
        this.alpha = (float) b.alpha;
        this.tokenLabel = b.tokenLabel;
        this.clsWeight = (float) b.clsWeight;
        this.denseWeight = (float) b.denseWeight;
    }

    public static Builder builder() {
        return new Builder();
    }

    public DistillationType distillationType() {
        return distillation.type();
    }

    public boolean tokenLabel() {
        return tokenLabel;
    }

    /**
     * @param cls {@code [B, C]} cls-token logits
     * @param dist {@code [B, C]} distillation-token logits, or null (no distillation token)
     * @param aux {@code [B, N, C]} aux-head logits on the patch tokens, or null
     * @param targets {@code [B, C]} soft class targets (probabilities)
     * @param teacherLogits {@code [B, C]} teacher's global logits; required when distilling
     * @param tokenTargets {@code [B, N, C]} teacher's per-token probabilities; required with token labeling
     */
    public Result compute(
            NDArray cls, NDArray dist, NDArray aux,
            NDArray targets, NDArray teacherLogits, NDArray tokenTargets) {
        NDArray base = SoftTargetCrossEntropy.apply(cls, targets);
        NDArray classTerm = base;
        NDArray distill = null;
        if (distillation.type() != DistillationType.NONE) {
            if (teacherLogits == null) {
                throw new IllegalArgumentException(
                        "distillation " + distillation.type().flag() + " needs teacher logits; none were given");
            }
            distill = distillation.apply(dist != null ? dist : cls, teacherLogits);
            classTerm = base.mul(HostArrays.scalar(base, 1 - alpha)).add(distill.mul(HostArrays.scalar(distill, alpha)));
        }
        if (!tokenLabel) {
            return new Result(classTerm, base, distill, null);
        }
        if (aux == null || tokenTargets == null) {
            throw new IllegalArgumentException("token labeling needs the aux-head logits and the teacher's token targets;"
                    + (aux == null ? " aux logits missing" : "") + (tokenTargets == null ? " token targets missing" : ""));
        }
        if (!aux.getShape().equals(tokenTargets.getShape())) {
            throw new IllegalArgumentException("aux logits " + aux.getShape()
                    + " and token targets " + tokenTargets.getShape() + " differ: is the teacher pooled to the student's token grid?");
        }
        NDArray dense = TokenLabelLoss.apply(aux, tokenTargets);
        NDArray total = classTerm.mul(HostArrays.scalar(classTerm, clsWeight)).add(dense.mul(HostArrays.scalar(dense, denseWeight)));
        return new Result(total, base, distill, dense);
    }

    /** Defaults: no distillation (alpha 0.5, tau 1 once switched on), no token labeling (weights 1). */
    public static final class Builder {
        private DistillationType distillationType = DistillationType.NONE;
        private double alpha = 0.5;
        private double tau = 1.0;
        private boolean tokenLabel;
        private double clsWeight = 1.0;
        private double denseWeight = 1.0;

        public Builder optDistillation(DistillationType type, double alpha, double tau) {
            if (!(alpha >= 0 && alpha <= 1)) {
                throw new IllegalArgumentException("distillation alpha must be in [0, 1], got " + alpha);
            }
            this.distillationType = type;
            this.alpha = alpha;
            this.tau = tau;
            return this;
        }

        public Builder optTokenLabel(double clsWeight, double denseWeight) {
            if (!(clsWeight >= 0) || !(denseWeight >= 0)) {
                throw new IllegalArgumentException("token-label weights must be >= 0");
            }
            this.tokenLabel = true;
            this.clsWeight = clsWeight;
            this.denseWeight = denseWeight;
            return this;
        }

        public Objective build() {
            return new Objective(this);
        }
    }
}
