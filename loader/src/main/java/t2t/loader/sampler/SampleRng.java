package t2t.loader.sampler;

import java.util.SplittableRandom;

/**
 * Random sources keyed by what they randomise, never by who runs them: a sample's augmentation
 * depends on (seed, epoch, sample id, copy) and a batch's mixing on (seed, epoch, step, slice), so
 * results do not change with the number of loaders, threads or the order samples finish in.
 * {@code copy} tells apart the repeats of one sample under repeated augmentation (which would
 * otherwise get identical crops). Keys are combined with SplitMix64's finaliser.
 */
public final class SampleRng {
    private static final long SAMPLE_DOMAIN = 0x53414D504C45L;
    private static final long STEP_DOMAIN = 0x53544550L;

    private SampleRng() {}

    public static SplittableRandom forSample(long seed, int epoch, long sampleId, int copy) {
        return new SplittableRandom(mix(seed, SAMPLE_DOMAIN, epoch, sampleId, copy));
    }

    public static SplittableRandom forSample(long seed, int epoch, long sampleId) {
        return forSample(seed, epoch, sampleId, 0);
    }

    /** Batch-level randomness (Mixup/CutMix) of one slice of one step. */
    public static SplittableRandom forStep(long seed, int epoch, long step, int slice) {
        return new SplittableRandom(mix(seed, STEP_DOMAIN, epoch, step, slice));
    }

    public static SplittableRandom forStep(long seed, int epoch, long step) {
        return forStep(seed, epoch, step, 0);
    }

    /** A 64-bit hash of the keys in order; distinct key lists give unrelated values. */
    public static long mix(long... keys) {
        long h = 0x9E3779B97F4A7C15L;
        for (long k : keys) {
            h = finalise(h ^ finalise(k + 0x9E3779B97F4A7C15L));
            h += 0x9E3779B97F4A7C15L;
        }
        return finalise(h);
    }

    private static long finalise(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
