package t2t.actors.runtime;

/**
 * What a worker needs from its model replica: the flat trainable-parameter vector (in the layout
 * order every shard uses) and one training step. Implementations own an engine and its memory;
 * every step's arrays are freed before {@link #trainStep} returns.
 */
public interface StudentCompute extends AutoCloseable {
    /** Length of the flat trainable-parameter vector. */
    int numParams();

    /** Copies the whole flat vector out (for the initial broadcast and tests). */
    float[] readParams();

    /** Overwrites {@code [offset, offset + data.length)} of the flat vector. */
    void writeParams(int offset, float[] data);

    /**
     * Forward, loss, backward for one batch; writes the gradient of the batch-mean loss into
     * {@code gradOut} (length {@link #numParams()}) and returns the loss parts. {@code noiseSeed}
     * seeds every stochastic layer of this step (drop path, dropout) so a step can be replayed.
     */
    StepLoss trainStep(TrainBatch batch, long noiseSeed, float[] gradOut);

    /**
     * {@link #trainStep} that hands the gradient over range by range: after backward, each of
     * {@code ranges} is filled in {@code gradOut} in the order given and passed to {@code ready}
     * at once, so its aggregator can start while later ranges are still being copied out. This
     * default fills everything first; engines that copy gradients out piecewise override it.
     */
    default StepLoss trainStep(TrainBatch batch, long noiseSeed, float[] gradOut, java.util.List<ShardRange> ranges,
                               java.util.function.Consumer<ShardRange> ready) {
        StepLoss loss = trainStep(batch, noiseSeed, gradOut);
        ranges.forEach(ready);
        return loss;
    }

    /** Evaluation logits [B, classes] for normalized NCHW pixels, in eval mode. */
    float[] evalLogits(float[] pixels, int size, int channels, int height, int width);

    @Override
    void close();

    /** Loss parts of one step, for logging. */
    record StepLoss(float total, float base, float distill, float dense) {}
}
