package t2t.actors.engine;

import org.junit.jupiter.api.Test;
import t2t.actors.LocalJob;
import t2t.actors.config.JobConfig;
import t2t.actors.runtime.JobListener;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --sync local:H} with the real T2T-ViT student (AdamW, cosine schedule, token transformer). */
class LocalSgdStudentTest {
    private record Run(float[] params, List<Double> losses, JobListener.JobResult result) {}

    private static Run train(int workers, String sync, int steps) throws Exception {
        JobConfig cfg = EngineFixtures.tinyJob("embed_dim=64,depth=2,num_heads=2,mlp_ratio=2.0,soft_split=small,token_dim=32",
                Map.ofEntries(Map.entry("mixup", "0"), Map.entry("cutmix", "0"),
                        Map.entry("workers", Integer.toString(workers)), Map.entry("batch-size", "64"),
                        Map.entry("steps", Integer.toString(steps)), Map.entry("epochs", "2"),
                        Map.entry("warmup-epochs", "0"), Map.entry("lr", "2e-3"), Map.entry("aggregators", "3"),
                        Map.entry("seed", "3"), Map.entry("sync", sync)));
        List<Double> losses = new ArrayList<>();
        JobListener listener = new JobListener() {
            @Override
            public synchronized void onStep(StepMetrics m) {
                losses.add(m.total());
            }
        };
        try (JobAssembly job = JobAssembly.prepare(cfg)) {
            JobListener.JobResult r = LocalJob.run(job.spec("local-" + sync, null, null), listener)
                    .get(5, TimeUnit.MINUTES);
            assertEquals(steps, r.steps());
            return new Run(JobAssembly.flatten(r.shards()), losses, r);
        }
    }

    /**
     * One worker: averaging a single replica changes nothing, so local:H must retrace sync exactly;
     * this checks the worker-side AdamW (decay mask, lr schedule, bias correction) against the sharded one.
     */
    @Test
    void oneWorkerLocalEqualsSync() throws Exception {
        Run sync = train(1, "sync", 6);
        Run local = train(1, "local:4", 6);
        assertTrue(EngineFixtures.maxDifference(sync.params(), local.params()) < 1e-6,
                "max difference " + EngineFixtures.maxDifference(sync.params(), local.params()));
    }

    @Test
    void twoWorkersLearnWithLocalSteps() throws Exception {
        Run local = train(2, "local:3", 20);
        assertEquals(List.of(640L, 640L), local.result().samplesTrainedPerEpoch());
        double first = (local.losses().get(0) + local.losses().get(1) + local.losses().get(2)) / 3;
        int n = local.losses().size();
        double last = (local.losses().get(n - 1) + local.losses().get(n - 2) + local.losses().get(n - 3)) / 3;
        assertTrue(last < 0.8 * first, "loss " + first + " -> " + last);
        for (float v : local.params()) {
            assertTrue(Float.isFinite(v));
        }
    }
}
