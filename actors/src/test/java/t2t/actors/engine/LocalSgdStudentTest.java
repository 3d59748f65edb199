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

/** {@code --sync local:H} with real DJL students (AdamW, cosine schedule; T2T-ViT, and a BatchNorm CNN). */
class LocalSgdStudentTest {
    private record Run(float[] params, List<Double> losses, JobListener.JobResult result) {}

    private static final String VIT = "embed_dim=64,depth=2,num_heads=2,mlp_ratio=2.0,soft_split=small,token_dim=32";

    private static Run train(int workers, String sync, int steps) throws Exception {
        return train("t2t_vit_t_14", VIT, workers, sync, steps);
    }

    private static Run train(String model, String modelArgs, int workers, String sync, int steps) throws Exception {
        JobConfig cfg = EngineFixtures.tinyJob(modelArgs,
                Map.ofEntries(Map.entry("model", model), Map.entry("mixup", "0"), Map.entry("cutmix", "0"),
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

    /** The same with BatchNorm: its running statistics take the replica's values, not an AdamW update. */
    @Test
    void oneWorkerLocalEqualsSyncWithBatchNormBuffers() throws Exception {
        Run sync = train("resnet_tiny", "", 1, "sync", 4);
        Run local = train("resnet_tiny", "", 1, "local:3", 4);
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
