package t2t.model;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/**
 * A training forward cut into a chain of stages that share no trainable tensor, each taking the
 * previous stage's output (the images for the first). Running backward stage by stage, last stage
 * first, makes a stage's parameter gradients final while earlier stages are still in backward:
 * what DDP's gradient hooks give PyTorch, and what lets gradient buckets leave a worker early.
 * Running the stages one after the other is exactly the model's training forward.
 */
public interface StagedForward {
    int stageCount();

    /** Stage {@code k}, for {@code 0 <= k < stageCount() - 1}. */
    NDArray forwardStage(int k, ParameterStore ps, NDArray in, boolean training);

    /** The last stage, which ends in the heads. */
    ModelOutputs forwardLastStage(ParameterStore ps, NDArray in, boolean training);

    /** The one stage whose forward uses the state-dict tensor {@code tensorName}. */
    int stageOf(String tensorName);
}
