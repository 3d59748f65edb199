package t2t.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;
import t2t.model.layers.DropPath;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegularizationTest {

    @Test
    void dropPathDropsWholeSamplesAndRescalesTheRest() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.ones(new Shape(2000, 3, 4));
            float[] y = DropPath.apply(x, 0.25f, true).toFloatArray();
            int dropped = 0;
            for (int b = 0; b < 2000; b++) {
                float first = y[b * 12];
                assertTrue(first == 0f || Math.abs(first - 1 / 0.75f) < 1e-6f);
                for (int i = 1; i < 12; i++) {
                    assertEquals(first, y[b * 12 + i]); // one decision per sample
                }
                dropped += first == 0f ? 1 : 0;
            }
            assertEquals(500, dropped, 70);
            assertSame(x, DropPath.apply(x, 0.25f, false));
        }
    }

    @Test
    void performerDropoutIsOnInTrainingOnly() {
        try (NDManager m = NDManager.newBaseManager()) {
            T2tVit model = ModelRegistry.createT2t("t2t_vit_7", Map.of("img_size", "32", "soft_split", "small",
                    "num_classes", "4", "embed_dim", "16", "depth", "2", "num_heads", "2", "token_dim", "8"));
            model.initializeWeights(m, DataType.FLOAT32, 2);
            NDArray x = m.randomNormal(new Shape(2, 3, 32, 32));
            ParameterStore ps = new ParameterStore(m, false);
            // drop_rate and drop_path_rate are 0: only the performer's hard-coded 0.1 dropouts remain
            float[] t1 = model.forwardTrain(ps, x).cls().toFloatArray();
            float[] t2 = model.forwardTrain(ps, x).cls().toFloatArray();
            assertFalse(java.util.Arrays.equals(t1, t2));
            assertArrayEquals(model.predict(x).toFloatArray(), model.predict(x).toFloatArray(), 0f);
        }
    }
}
