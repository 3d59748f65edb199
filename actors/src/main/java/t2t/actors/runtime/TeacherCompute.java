package t2t.actors.runtime;

/**
 * A teacher in eval mode without gradients: global logits [B, classes] and dense per-token target
 * probabilities [B, gridH * gridW, classes] for the exact (mixed) pixels of a batch.
 */
public interface TeacherCompute extends AutoCloseable {
    TrainBatch teach(TrainBatch batch);

    @Override
    void close();
}
