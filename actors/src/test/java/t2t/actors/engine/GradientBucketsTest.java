package t2t.actors.engine;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;
import t2t.actors.runtime.ShardRange;
import t2t.actors.runtime.TrainBatch;
import t2t.model.ModelRegistry;
import t2t.model.T2tVit;
import t2t.model.loss.Objective;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Gradients handed over shard by shard equal the whole gradient, and each shard is complete when handed over. */
class GradientBucketsTest {
    @Test
    void bucketsHandedOverInOrderHoldTheWholeGradient() {
        NDManager m = NDManager.newBaseManager();
        T2tVit model = (T2tVit) ModelRegistry.create("t2t_vit_7", Map.of("img_size", "32", "in_chans", "1",
                "num_classes", "10", "embed_dim", "64", "depth", "2", "num_heads", "2", "soft_split", "small"));
        model.initializeWeights(m, DataType.FLOAT32, 7);
        try (DjlStudent s = new DjlStudent(m, model, model::forwardTrain, Objective.builder().build(), 1)) {
            TrainBatch b = EngineFixtures.randomBatch(8, 3);
            float[] whole = new float[s.numParams()];
            s.trainStep(b, 0, whole);

            // Five shards: their boundaries cut through parameter tensors.
            List<ShardRange> order = new ArrayList<>(ShardRange.split(s.numParams(), 5));
            Collections.reverse(order);
            float[] seen = new float[s.numParams()];
            List<Integer> handed = new ArrayList<>();
            s.trainStep(b, 0, order, (r, g) -> {
                handed.add(r.shard());
                assertEquals(r.length(), g.length, "one array per bucket");
                System.arraycopy(g, 0, seen, r.offset(), r.length());
            });
            assertEquals(List.of(4, 3, 2, 1, 0), handed);
            assertArrayEquals(whole, seen, 0f, "each bucket complete when handed over");

            float[] again = new float[s.numParams()];
            s.trainStep(b, 0, again);
            assertArrayEquals(whole, again, 0f, "gradients zeroed after the buckets");
            assertEquals(false, Arrays.equals(whole, new float[whole.length]), "a gradient at all");
        }
    }
}
