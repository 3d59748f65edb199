package t2t.loader;

import java.util.SplittableRandom;

/**
 * Batch-level mixing (Mixup / CutMix) applied in place to assembled pixels, returning soft
 * targets. The batch assembler calls it once per batch with a random source keyed by (seed,
 * epoch, step, slice). The batch may be odd-sized when bad samples were skipped: with timm's
 * partner rule (row i with row B-1-i) the middle row is then mixed with itself, i.e. unchanged.
 */
@FunctionalInterface
public interface BatchMixer {
    /**
     * @param pixels NCHW, {@code b*c*h*w} floats, mixed in place
     * @return targets of {@code b * numClasses} floats, and what was done
     */
    Mixed mix(float[] pixels, int b, int c, int h, int w, int[] labels, int numClasses, SplittableRandom rng);

    record Mixed(float[] targets, MixParams params) {}

    /**
     * No mixing: targets are one-hot with label smoothing as timm's: {@code off = smoothing/K},
     * {@code on = 1 - smoothing + off}.
     */
    static BatchMixer none(double smoothing) {
        return (pixels, b, c, h, w, labels, numClasses, rng) ->
                new Mixed(smoothedOneHot(labels, b, numClasses, smoothing), MixParams.NONE);
    }

    static float[] smoothedOneHot(int[] labels, int b, int numClasses, double smoothing) {
        float off = (float) (smoothing / numClasses);
        float on = (float) (1.0 - smoothing + smoothing / numClasses);
        float[] targets = new float[b * numClasses];
        for (int i = 0; i < b; i++) {
            java.util.Arrays.fill(targets, i * numClasses, (i + 1) * numClasses, off);
            targets[i * numClasses + labels[i]] = on;
        }
        return targets;
    }
}
