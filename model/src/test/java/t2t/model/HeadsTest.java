package t2t.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeadsTest {
    private static final Map<String, String> SMALL = Map.of("img_size", "32", "soft_split", "small",
            "num_classes", "5", "embed_dim", "32", "depth", "2", "num_heads", "2", "mlp_ratio", "2");

    private static Map<String, String> with(String k1, String v1, String k2, String v2) {
        Map<String, String> m = new java.util.HashMap<>(SMALL);
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    @Test
    void distillationAndTokenLabelingExposeEveryPartAndCombineThemAtEval() {
        try (NDManager m = NDManager.newBaseManager()) {
            T2tVit model = ModelRegistry.createT2t("t2t_vit_7", with("distillation", "true", "token_label", "true"));
            model.initializeWeights(m, DataType.FLOAT32, 3);
            assertTrue(model.stateDict().containsKey("dist_token"));
            assertTrue(model.stateDict().containsKey("head_dist.weight"));
            assertTrue(model.stateDict().containsKey("aux_head.weight"));
            assertEquals(66, model.stateDict().get("pos_embed").getArray().getShape().get(1)); // cls + dist + 64
            NDArray x = m.randomNormal(new Shape(3, 3, 32, 32));
            ParameterStore ps = new ParameterStore(m, false);
            ModelOutputs parts = model.forwardParts(ps, x, false);
            assertArrayEquals(new long[] {3, 5}, parts.cls().getShape().getShape());
            assertArrayEquals(new long[] {3, 5}, parts.dist().getShape().getShape());
            assertArrayEquals(new long[] {3, 64, 5}, parts.aux().getShape().getShape());
            float[] eval = model.predict(x).toFloatArray();
            float[] cls = parts.cls().toFloatArray();
            float[] dist = parts.dist().toFloatArray();
            float[] aux = parts.aux().toFloatArray();
            for (int b = 0; b < 3; b++) {
                for (int c = 0; c < 5; c++) {
                    float max = Float.NEGATIVE_INFINITY;
                    for (int t = 0; t < 64; t++) {
                        max = Math.max(max, aux[(b * 64 + t) * 5 + c]);
                    }
                    float want = (cls[b * 5 + c] + dist[b * 5 + c]) / 2 + 0.5f * max;
                    assertEquals(want, eval[b * 5 + c], 1e-5f);
                }
            }
            NDList asList = model.forward(ps, new NDList(x), true);
            assertEquals(3, asList.size());
            assertEquals("cls", asList.get(0).getName());
            assertEquals("dist", asList.get(1).getName());
            assertEquals("aux", asList.get(2).getName());
        }
    }

    @Test
    void classificationOnlyHasNoExtraParts() {
        try (NDManager m = NDManager.newBaseManager()) {
            T2tVit model = ModelRegistry.createT2t("t2t_vit_t_14", SMALL);
            model.initializeWeights(m, DataType.FLOAT32, 3);
            ModelOutputs parts = model.forwardParts(new ParameterStore(m, false), m.randomNormal(new Shape(2, 3, 32, 32)), false);
            assertNull(parts.dist());
            assertNull(parts.aux());
            assertEquals(1, ModelOutputs.fromNDList(parts.toNDList()).toNDList().size());
        }
    }

    @Test
    void sameSeedSameWeightsAndOfficialInit() {
        try (NDManager m = NDManager.newBaseManager()) {
            T2tVit a = ModelRegistry.createT2t("t2t_vit_7", SMALL);
            T2tVit b = ModelRegistry.createT2t("t2t_vit_7", SMALL);
            a.initializeWeights(m, DataType.FLOAT32, 42);
            b.initializeWeights(m, DataType.FLOAT32, 42);
            for (String k : a.stateDict().keySet()) {
                assertArrayEquals(a.stateDict().get(k).getArray().toFloatArray(), b.stateDict().get(k).getArray().toFloatArray(), 0f, k);
            }
            float[] w = a.stateDict().get("blocks.0.mlp.fc1.weight").getArray().toFloatArray();
            double sq = 0;
            for (float v : w) {
                sq += v * v;
            }
            assertEquals(0.02, Math.sqrt(sq / w.length), 0.002);
            assertArrayEquals(new float[64], a.stateDict().get("blocks.0.mlp.fc1.bias").getArray().toFloatArray(), 0f);
            for (float v : a.stateDict().get("norm.weight").getArray().toFloatArray()) {
                assertEquals(1f, v);
            }
            // performer features: orthonormal rows times sqrt(m)
            NDArray pw = a.stateDict().get("tokens_to_token.attention1.w").getArray();
            NDArray gram = pw.matMul(pw.transpose()).div(32f);
            assertTrue(gram.sub(m.eye(32)).abs().max().getFloat() < 1e-4f);
        }
    }
}
