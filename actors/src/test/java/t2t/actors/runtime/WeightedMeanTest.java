package t2t.actors.runtime;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The blocked mean has the bits of the plain rank-order loop, on lengths that do and do not fill a block. */
class WeightedMeanTest {
    private static float[] plain(List<float[]> vectors, long[] weights, int length) {
        float[] sum = new float[length];
        long total = 0;
        for (long w : weights) {
            total += w;
        }
        for (int k = 0; k < vectors.size(); k++) {
            if (weights[k] == 0) {
                continue;
            }
            float w = (float) ((double) weights[k] / total);
            for (int i = 0; i < length; i++) {
                sum[i] += w * vectors.get(k)[i];
            }
        }
        return sum;
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * Math.exp(r.nextGaussian() * 4));
        }
        return v;
    }

    @Test
    void sameBitsAsThePlainLoop() {
        SplittableRandom r = new SplittableRandom(9);
        for (int n : new int[] {1, 4095, 4096, 4097, 70_001}) {
            List<float[]> v = List.of(random(r, n), random(r, n), random(r, n));
            long[] w = {64, 0, 37};
            assertArrayEquals(plain(v, w, n), WeightedMean.of(v, w, n), 0f, "length " + n);
            long[] equal = {1, 1, 1};
            assertArrayEquals(plain(v, equal, n), WeightedMean.of(v, equal, n), 0f, "length " + n);
        }
        assertArrayEquals(new float[3], WeightedMean.of(List.of(new float[] {1, 2, 3}), new long[] {0}, 3), 0f);
    }
}
