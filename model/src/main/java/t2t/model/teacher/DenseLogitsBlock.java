package t2t.model.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * A block that can give per-location class logits besides its global ones: what a dense teacher
 * needs. A T2T-ViT checkpoint used as a teacher can implement it with its aux head on the patch
 * tokens ({@code [B, N, C]} is accepted, see {@link TeacherOutputs}).
 */
public interface DenseLogitsBlock extends Block {

    int numClasses();

    /**
     * Eval-mode outputs: {@code [global [B, C], per-location [B, C, h, w] or [B, h*w, C]]}.
     * Called without a gradient collector.
     */
    NDList locationLogits(ParameterStore ps, NDArray images);
}
