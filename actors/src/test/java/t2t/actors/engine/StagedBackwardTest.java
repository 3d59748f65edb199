package t2t.actors.engine;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;
import t2t.actors.LocalJob;
import t2t.actors.config.JobConfig;
import t2t.actors.runtime.JobListener;
import t2t.actors.runtime.ShardRange;
import t2t.actors.runtime.TrainBatch;
import t2t.model.ModelRegistry;
import t2t.model.T2tVit;
import t2t.model.loss.DistillationType;
import t2t.model.loss.Objective;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backward run stage by stage (each stage seeded with the gradient of its output) gives the
 * gradients of one backward over the whole graph, and hands the last layers' buckets over before
 * the first stage's backward has run.
 */
class StagedBackwardTest {
    private static final Map<String, String> ARGS = Map.of("img_size", "32", "in_chans", "1", "num_classes", "10",
            "embed_dim", "64", "depth", "3", "num_heads", "2", "soft_split", "small", "drop_path_rate", "0.1",
            "distillation", "true", "token_label", "true");

    private static DjlStudent student(boolean staged) {
        NDManager m = NDManager.newBaseManager();
        T2tVit model = (T2tVit) ModelRegistry.create("t2t_vit_7", ARGS);
        model.initializeWeights(m, DataType.FLOAT32, 7);
        Objective objective = Objective.builder().optDistillation(DistillationType.SOFT, 0.5, 1.0)
                .optTokenLabel(1.0, 0.5).build();
        return new DjlStudent(m, model, model::forwardTrain, staged ? model : null, objective, 1);
    }

    private static final int GRID = ((T2tVit) ModelRegistry.create("t2t_vit_7", ARGS)).gridSize();

    /** A random batch with teacher logits and dense token targets over the student's token grid. */
    private static TrainBatch taughtBatch(int n, long seed) {
        TrainBatch b = EngineFixtures.randomBatch(n, seed);
        SplittableRandom r = new SplittableRandom(seed + 1);
        float[] logits = new float[n * 10];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) r.nextGaussian();
        }
        int grid = GRID;
        float[] tokens = new float[n * grid * grid * 10];
        for (int t = 0; t < n * grid * grid; t++) {
            tokens[t * 10 + r.nextInt(10)] = 1f;
        }
        return new TrainBatch(0, 0, n, 1, 32, 32, b.pixels(), 10, b.targets(), b.labels(), b.sampleIds(),
                b.skippedIds(), grid, grid, logits, tokens);
    }

    @Test
    void stagedGradientsEqualWholeBackward() {
        try (DjlStudent whole = student(false); DjlStudent staged = student(true)) {
            for (int step = 0; step < 3; step++) {
                TrainBatch b = taughtBatch(8, step);
                float[] gw = new float[whole.numParams()];
                float[] gs = new float[staged.numParams()];
                var lw = whole.trainStep(b, step, gw);
                var ls = staged.trainStep(b, step, gs);
                assertEquals(lw.total(), ls.total(), 0f, "same forward, same loss");
                assertTrue(EngineFixtures.maxDifference(gw, gs) <= 1e-6,
                        "step " + step + ": max difference " + EngineFixtures.maxDifference(gw, gs));
                double norm = 0;
                for (float v : gw) {
                    norm = Math.max(norm, Math.abs(v));
                }
                assertTrue(norm > 1e-3, "a real gradient");
            }
        }
    }

    @Test
    void lastBucketsLeaveBeforeTheFirstStageIsDone() {
        try (DjlStudent staged = student(true); DjlStudent whole = student(false)) {
            TrainBatch b = taughtBatch(8, 11);
            float[] expected = new float[whole.numParams()];
            whole.trainStep(b, 3, expected);

            FlatSlots slots = staged.slots();
            FlatSlots.Slot firstStage = slots.slots().stream()
                    .filter(s -> s.name().startsWith("tokens_to_token.")).findFirst().orElseThrow();
            List<ShardRange> order = new ArrayList<>(ShardRange.split(staged.numParams(), 6));
            Collections.reverse(order);
            float[] got = new float[staged.numParams()];
            List<Integer> handed = new ArrayList<>();
            List<Boolean> firstStagePending = new ArrayList<>();
            staged.trainStep(b, 3, order, (r, g) -> {
                handed.add(r.shard());
                System.arraycopy(g, 0, got, r.offset(), g.length);
                float[] t2t = new float[firstStage.length()];
                slots.copyGradients(firstStage.offset(), firstStage.end(), t2t, 0);
                boolean zero = true;
                for (float v : t2t) {
                    zero &= v == 0f;
                }
                firstStagePending.add(zero);
            });
            assertEquals(List.of(5, 4, 3, 2, 1, 0), handed, "last parameters first, every bucket once");
            assertTrue(firstStagePending.get(0), "the last bucket left before the T2T module's backward ran");
            assertEquals(false, firstStagePending.get(handed.size() - 1), "the first bucket waited for it");
            assertTrue(EngineFixtures.maxDifference(expected, got) <= 1e-6);

            float[] again = new float[staged.numParams()];
            staged.trainStep(b, 3, again);
            assertArrayEquals(got, again, 0f, "gradients zeroed after the step");
        }
    }

    /** Through the whole runtime (buckets leaving during backward, 3 shards, 2 workers): the same weights either way. */
    @Test
    void jobTrainsTheSameWithAndWithoutStages() throws Exception {
        float[] whole = trainJob(false);
        float[] staged = trainJob(true);
        assertTrue(EngineFixtures.maxDifference(whole, staged) <= 1e-6,
                "max difference " + EngineFixtures.maxDifference(whole, staged));
    }

    private static float[] trainJob(boolean staged) throws Exception {
        JobConfig cfg = EngineFixtures.tinyJob("embed_dim=64,depth=2,num_heads=2,mlp_ratio=2.0,soft_split=small,token_dim=32",
                Map.of("workers", "2", "batch-size", "32", "steps", "4", "epochs", "1", "warmup-epochs", "0",
                        "aggregators", "3", "drop-path", "0.1", "seed", "5", "staged-backward", Boolean.toString(staged)));
        try (JobAssembly job = JobAssembly.prepare(cfg)) {
            JobListener.JobResult r = LocalJob.run(job.spec("staged-" + staged, null, null), new JobListener() {})
                    .get(5, TimeUnit.MINUTES);
            assertEquals(4, r.steps());
            return JobAssembly.flatten(r.shards());
        }
    }
}
