package t2t.ops.run;

import org.junit.jupiter.api.Test;
import t2t.actors.LocalJob;
import t2t.actors.config.JobConfig;
import t2t.actors.engine.JobAssembly;
import t2t.actors.runtime.JobListener;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN's first invariant on the real student: in sync mode, 2 workers x 32 samples give the
 * parameters of 1 worker x 64 on the same samples (no stochastic layers, no batch mixing).
 */
class WorkerEquivalenceTest {
    private static float[] train(int workers) throws Exception {
        JobConfig cfg = JobConfig.resolve(Map.of(), Map.ofEntries(
                Map.entry("data", "synthetic:640"), Map.entry("model", "t2t_vit_t_14"),
                Map.entry("model-args", "embed_dim=64,depth=2,num_heads=2,mlp_ratio=2.0,soft_split=small,token_dim=32"),
                Map.entry("img-size", "32"), Map.entry("teacher", "none"), Map.entry("token-label", "false"),
                Map.entry("distillation-type", "none"), Map.entry("mixup", "0"), Map.entry("cutmix", "0"),
                Map.entry("workers", Integer.toString(workers)), Map.entry("batch-size", "64"),
                Map.entry("steps", "6"), Map.entry("epochs", "1"), Map.entry("warmup-epochs", "0"),
                Map.entry("lr", "1e-3"), Map.entry("aggregators", "3"), Map.entry("seed", "3")));
        try (JobAssembly job = JobAssembly.prepare(cfg)) {
            JobListener.JobResult r = LocalJob.run(job.spec("equivalence-" + workers, null, null), new Quiet())
                    .get(5, TimeUnit.MINUTES);
            assertEquals(6, r.steps());
            return JobAssembly.flatten(r.shards());
        }
    }

    @Test
    void twoWorkersOfThirtyTwoEqualOneWorkerOfSixtyFour() throws Exception {
        float[] one = train(1);
        float[] two = train(2);
        double maxDiff = 0;
        double maxAbs = 0;
        for (int i = 0; i < one.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(one[i] - two[i]));
            maxAbs = Math.max(maxAbs, Math.abs(one[i]));
        }
        assertTrue(maxAbs > 0.01, "the model has weights");
        assertTrue(maxDiff < 2e-5, "max parameter difference " + maxDiff);
    }

    private static final class Quiet implements JobListener {}
}
