package t2t.loader.sampler;

import java.util.SplittableRandom;

/**
 * Epoch {@code e}'s order of positions: a Fisher-Yates permutation of the ids seeded from
 * (seed, e), each id repeated {@code repeats} times in a row (DeiT's RASampler: copies then land on
 * neighbouring workers when a step is dealt out), cut to the epoch length.
 */
public final class EpochOrder {
    private static final long PERMUTATION_DOMAIN = 0x5045524DL;

    private final int[] permutation;
    private final int repeats;
    private final int length;

    public EpochOrder(SamplerConfig config, int epoch) {
        int n = (int) config.datasetSize();
        this.permutation = new int[n];
        for (int i = 0; i < n; i++) {
            permutation[i] = i;
        }
        if (config.shuffle()) {
            SplittableRandom rng = new SplittableRandom(SampleRng.mix(config.seed(), PERMUTATION_DOMAIN, epoch));
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = permutation[i];
                permutation[i] = permutation[j];
                permutation[j] = t;
            }
        }
        this.repeats = config.repeats();
        this.length = config.epochLength();
    }

    public int length() {
        return length;
    }

    public long sampleId(int position) {
        return permutation[position / repeats];
    }

    /** Which repeat of its sample the position holds, {@code 0 .. repeats-1}. */
    public int copy(int position) {
        return position % repeats;
    }
}
