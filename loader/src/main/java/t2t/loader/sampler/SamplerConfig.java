package t2t.loader.sampler;

/**
 * The run constants of the sampler.
 *
 * @param datasetSize samples in the dataset (ids {@code 0 .. datasetSize-1})
 * @param globalBatch samples per optimizer step over all workers; constant for the run, so a
 *                    change of world size changes the per-worker slice, not the step
 * @param seed        run seed; epoch {@code e}'s order is a function of (seed, e) only
 * @param shuffle     false keeps ids in order (evaluation)
 * @param repeats     repeated augmentation: 1 off, 3 as DeiT's RASampler
 * @param dropLast    drop the epoch's last partial global batch (DeiT's train loader); otherwise
 *                    it is issued as a smaller final step
 */
public record SamplerConfig(long datasetSize, int globalBatch, long seed, boolean shuffle, int repeats, boolean dropLast) {
    public SamplerConfig {
        if (datasetSize <= 0 || datasetSize > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("dataset size must be in 1..2^31-9, got " + datasetSize);
        }
        if (globalBatch <= 0) {
            throw new IllegalArgumentException("global batch must be positive, got " + globalBatch);
        }
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
        }
    }

    public static SamplerConfig train(long datasetSize, int globalBatch, long seed) {
        return new SamplerConfig(datasetSize, globalBatch, seed, true, 1, true);
    }

    /** Every sample once, in id order, the last batch kept: an evaluation pass. */
    public static SamplerConfig eval(long datasetSize, int globalBatch) {
        return new SamplerConfig(datasetSize, globalBatch, 0, false, 1, false);
    }

    /**
     * Positions per epoch: one per sample. With repeats, as DeiT's RASampler, an epoch walks the
     * first {@code datasetSize} positions of the r-fold repeated permutation, i.e. about
     * {@code datasetSize / r} distinct images, each {@code r} times.
     */
    public int epochLength() {
        return (int) datasetSize;
    }
}
