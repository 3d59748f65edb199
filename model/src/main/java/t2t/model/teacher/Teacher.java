package t2t.model.teacher;

import ai.djl.ndarray.NDArray;

/**
 * A teacher for distillation and token labeling. It runs on the student's own (augmented, mixed,
 * normalized) batch, in eval mode, without gradients, so its targets are aligned with what the
 * student sees by construction.
 *
 * <p>Implementations: {@link BlockTeacher} (a DJL block with loaded weights: the CNN family of
 * {@link CnnTeachers}, or a checkpoint of our own runs) and {@link TorchScriptTeacher}.
 * Not thread-safe: one teacher per TeacherActor.
 */
public interface Teacher extends AutoCloseable {

    String name();

    int numClasses();

    /**
     * @param images {@code [B, C, H, W]} float, normalized as the student's input
     * @param grid the student's patch-token grid, or null for global logits only
     * @return global logits and (if a grid was given) token targets, attached to the images'
     *     manager
     * @throws IllegalStateException if a grid was given and this teacher has no per-location output
     */
    TeacherTargets targets(NDArray images, TokenGrid grid);

    /** Releases what the teacher owns (its weights, a loaded TorchScript module). */
    @Override
    void close();
}
