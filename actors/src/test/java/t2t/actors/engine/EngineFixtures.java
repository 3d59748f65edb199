package t2t.actors.engine;

import t2t.actors.config.JobConfig;
import t2t.actors.runtime.TrainBatch;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Shared pieces of the engine tests: random batches and a tiny real job configuration. */
final class EngineFixtures {
    private EngineFixtures() {}

    /** {@code n} random 1x32x32 images with one-hot targets over 10 classes, from {@code seed}. */
    static TrainBatch randomBatch(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] px = new float[n * 32 * 32];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) r.nextGaussian();
        }
        float[] t = new float[n * 10];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(10);
            t[i * 10 + labels[i]] = 1f;
        }
        return new TrainBatch(0, 0, n, 1, 32, 32, px, 10, t, labels, new long[n], new long[0], 0, 0, null, null);
    }

    /**
     * A small T2T-ViT (token transformer, {@code small} split, 32 px) on synthetic data, no teacher,
     * one native thread per worker; {@code flags} add to or replace these.
     */
    static JobConfig tinyJob(String modelArgs, Map<String, String> flags) {
        Map<String, String> all = new LinkedHashMap<>(Map.of(
                "data", "synthetic:640", "model", "t2t_vit_t_14", "model-args", modelArgs, "img-size", "32",
                "teacher", "none", "token-label", "false", "distillation-type", "none", "threads-per-worker", "1"));
        all.putAll(flags);
        return JobConfig.resolve(Map.of(), all);
    }

    static double maxDifference(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }
}
