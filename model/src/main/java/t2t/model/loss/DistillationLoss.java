package t2t.model.loss;

import t2t.model.layers.HostArrays;
import ai.djl.ndarray.NDArray;

/**
 * The distillation term of DeiT's {@code DistillationLoss}, on the student's distillation-token
 * logits against the teacher's logits for the same (augmented, mixed) images.
 * <ul>
 *   <li>soft: {@code KL(log_softmax(s/T) || log_softmax(t/T))} summed, {@code * T^2 / numel(s)}:
 *       divided by B*C, not B, as the official code does (it keeps the term small next to the
 *       base loss; the T2T/DeiT numbers were obtained with it);</li>
 *   <li>hard: {@code CE(s, argmax t)}, mean over the batch.</li>
 * </ul>
 * The combination {@code (1 - alpha) * base + alpha * distill} is done by {@link Objective}.
 */
public final class DistillationLoss {

    private final DistillationType type;
    private final float tau;

    public DistillationLoss(DistillationType type, double tau) {
        if (!(tau > 0)) {
            throw new IllegalArgumentException("distillation tau must be > 0, got " + tau);
        }
        this.type = type;
        this.tau = (float) tau;
    }

    public DistillationType type() {
        return type;
    }

    /**
     * @param student {@code [B, C]} distillation-token logits (cls logits for a student without a
     *     distillation token)
     * @param teacher {@code [B, C]} teacher logits; treated as constants
     * @return scalar distillation loss; zero-dimensional; not defined for {@code NONE}
     */
    public NDArray apply(NDArray student, NDArray teacher) {
        if (!student.getShape().equals(teacher.getShape())) {
            throw new IllegalArgumentException(
                    "student " + student.getShape() + " and teacher " + teacher.getShape() + " logits differ in shape");
        }
        NDArray t = teacher.stopGradient();
        switch (type) {
            case SOFT: {
                NDArray logS = student.div(HostArrays.scalar(student, tau)).logSoftmax(-1);
                NDArray logT = t.div(HostArrays.scalar(t, tau)).logSoftmax(-1);
                // torch's kl_div(input, target, log_target=True): exp(target) * (target - input)
                NDArray kl = logT.exp().mul(logT.sub(logS)).sum();
                return kl.mul(HostArrays.scalar(kl, tau * tau / student.size()));
            }
            case HARD: {
                long classes = student.getShape().get(student.getShape().dimension() - 1);
                NDArray oneHot = t.argMax(-1).oneHot((int) classes).toType(student.getDataType(), false);
                return SoftTargetCrossEntropy.apply(student, oneHot);
            }
            default:
                throw new IllegalStateException("distillation type none has no distillation loss");
        }
    }
}
