package t2t.actors.runtime;

import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;

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
     * {@link #trainStep} that hands the gradient over bucket by bucket: each of {@code buckets}, in
     * the order given, goes to {@code ready} in its own new array as soon as it is final, so its
     * aggregator can start while the rest of the step runs. Engines that run backward stage by
     * stage hand buckets over during backward; this default hands them over after it.
     */
    default StepLoss trainStep(TrainBatch batch, long noiseSeed, List<ShardRange> buckets,
                               BiConsumer<ShardRange, float[]> ready) {
        float[] all = new float[numParams()];
        StepLoss loss = trainStep(batch, noiseSeed, all);
        for (ShardRange r : buckets) {
            ready.accept(r, Arrays.copyOfRange(all, r.offset(), r.end()));
        }
        return loss;
    }

    /** Evaluation logits [B, classes] for normalized NCHW pixels, in eval mode. */
    float[] evalLogits(float[] pixels, int size, int channels, int height, int width);

    @Override
    void close();

    /** Loss parts of one step, for logging. */
    record StepLoss(float total, float base, float distill, float dense) {}
}
