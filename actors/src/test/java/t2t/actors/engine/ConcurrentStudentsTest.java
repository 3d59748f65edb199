package t2t.actors.engine;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;
import t2t.actors.runtime.StudentCompute;
import t2t.actors.runtime.TrainBatch;
import t2t.model.ModelRegistry;
import t2t.model.T2tVit;
import t2t.model.loss.Objective;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Workers share one process: two replicas computing at once must get what each gets alone. */
class ConcurrentStudentsTest {
    private static DjlStudent student() {
        NDManager m = NDManager.newBaseManager();
        T2tVit model = (T2tVit) ModelRegistry.create("t2t_vit_7", Map.of("img_size", "32", "in_chans", "1",
                "num_classes", "10", "embed_dim", "64", "depth", "2", "num_heads", "2", "soft_split", "small",
                "drop_path_rate", "0.1"));
        model.initializeWeights(m, DataType.FLOAT32, 7);
        return new DjlStudent(m, model, model::forwardTrain, Objective.builder().build(), 1);
    }

    @Test
    void concurrentStepsEqualSequentialSteps() throws Exception {
        try (StudentCompute a = student(); StudentCompute b = student()) {
            TrainBatch ba = EngineFixtures.randomBatch(16, 1);
            TrainBatch bb = EngineFixtures.randomBatch(16, 2);
            float[] ga = new float[a.numParams()];
            float[] gb = new float[b.numParams()];
            a.trainStep(ba, 0, ga);
            b.trainStep(bb, 0, gb);
            float[] again = new float[a.numParams()];
            a.trainStep(ba, 0, again);
            assertArrayEquals(ga, again, 0f, "sequential repeat");
            for (int round = 0; round < 5; round++) {
                float[] ca = new float[a.numParams()];
                float[] cb = new float[b.numParams()];
                CompletableFuture<?> fa = CompletableFuture.runAsync(() -> a.trainStep(ba, 0, ca));
                CompletableFuture<?> fb = CompletableFuture.runAsync(() -> b.trainStep(bb, 0, cb));
                fa.get();
                fb.get();
                for (float v : ca) {
                    assertTrue(Float.isFinite(v), "finite gradient");
                }
                assertArrayEquals(ga, ca, 0f, "round " + round);
                assertArrayEquals(gb, cb, 0f, "round " + round);
            }
        }
    }
}
