package t2t.actors.runtime;

/**
 * The optimizer state of one parameter shard (ZeRO-1: each aggregator holds only its slice of the
 * AdamW moments and of the EMA). Implementations are not thread-safe; one aggregator owns one.
 */
public interface ShardOptimizer {
    /**
     * One update of {@code params} (the shard's slice, in place) with the averaged gradient.
     * {@code step} is the 0-based optimizer step being taken; {@code gradScale} multiplies the
     * gradient first (global-norm clipping; 1 when off).
     */
    void update(long step, float[] params, float[] grad, float gradScale);

    /** The shard's state (moments, EMA, counters) as named float arrays for a checkpoint. */
    java.util.Map<String, float[]> state();

    /** Restores what {@link #state()} returned. */
    void restore(java.util.Map<String, float[]> state);

    /** The EMA of the shard's parameters, or null when EMA is off. */
    float[] ema();

    /**
     * This shard's part of the squared global gradient norm (for clipping). Entries that are not
     * gradients (averaged buffers such as BatchNorm running statistics) are left out.
     */
    default double gradSumSquares(float[] grad) {
        double sq = 0;
        for (float v : grad) {
            sq += (double) v * v;
        }
        return sq;
    }
}
