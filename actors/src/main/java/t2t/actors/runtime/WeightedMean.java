package t2t.actors.runtime;

import java.util.List;

/**
 * The sample-weighted mean of the workers' vectors, summed in rank order so that every run (and
 * every shard) gets the same bits. Used for gradients in sync mode and for parameters in local mode.
 */
public final class WeightedMean {
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
        for (int k = 0; k < vectors.size(); k++) {
            if (weights[k] == 0) {
                continue;
            }
            float w = (float) ((double) weights[k] / total);
            float[] d = vectors.get(k);
            for (int i = 0; i < sum.length; i++) {
                sum[i] += w * d[i];
            }
        }
        return sum;
    }
}
