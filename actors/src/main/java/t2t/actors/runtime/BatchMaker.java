package t2t.actors.runtime;

/**
 * Decodes, augments and mixes the samples of one worker's slice into a batch. Thread-safe:
 * loader actors share one. Per-sample randomness comes from (seed, epoch, sample id) and batch
 * randomness from (seed, epoch, step, rank), so the result does not depend on which loader runs it.
 */
public interface BatchMaker {
    TrainBatch make(long step, long epoch, int rank, long[] sampleIds, int[] copies);

    /** The eval split in batches: pixels with the eval transform, labels; null past the end. */
    EvalBatch evalBatch(int index, int batchSize);

    /** Number of bad inputs skipped so far. */
    long skipped();

    record EvalBatch(int size, int channels, int height, int width, float[] pixels, int[] labels) {}
}
