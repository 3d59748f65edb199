package t2t.actors.runtime;

import java.util.List;

/**
 * The sample-weighted mean of the workers' vectors, summed in rank order so that every run (and
 * every shard) gets the same bits. Used for gradients in sync mode and for parameters in local mode.
 */
public final class WeightedMean {
    /** Floats per block: 16 KiB of the sum, well inside L1 with the workers' matching blocks. */
    private static final int BLOCK = 4096;

    private WeightedMean() {}

    /** {@code sum_i (w_i / sum w) * v_i} in list order; zeros when every weight is 0. */
    public static float[] of(List<float[]> vectors, long[] weights, int length) {
        float[] sum = new float[length];
        long total = 0;
        for (long w : weights) {
            total += w;
        }
        if (total == 0) {
            return sum;
        }
        float[] w = new float[vectors.size()];
        for (int k = 0; k < w.length; k++) {
            w[k] = (float) ((double) weights[k] / total);
        }
        // Block by block, so each block of the sum stays in cache while every worker's vector is
        // added to it: one pass over memory instead of one per worker. Each element still sums in
        // rank order from 0, so the bits are those of the plain loop.
        for (int from = 0; from < length; from += BLOCK) {
            int to = Math.min(length, from + BLOCK);
            for (int k = 0; k < w.length; k++) {
                if (weights[k] == 0) {
                    continue;
                }
                float wk = w[k];
                float[] d = vectors.get(k);
                for (int i = from; i < to; i++) {
                    sum[i] += wk * d[i];
                }
            }
        }
        return sum;
    }
}
