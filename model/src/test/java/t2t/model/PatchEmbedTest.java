package t2t.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import t2t.model.layers.ParamSpec;
import t2t.model.layers.PatchEmbed;
import t2t.model.layers.SplitSpec;
import t2t.model.testing.FiniteDifferences;
import t2t.protocol.UserInputException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tokens_type=patch}: ViT's Conv2d patch embedding with the T2T split's token grid. */
@org.junit.jupiter.api.extension.ExtendWith(t2t.model.check.IsaCap.class)
class PatchEmbedTest {

    private static Map<String, String> small(boolean heads) {
        Map<String, String> m = new HashMap<>(Map.of("img_size", "32", "in_chans", "1", "num_classes", "10",
                "embed_dim", "192", "depth", "4", "num_heads", "4", "mlp_ratio", "2.0",
                "soft_split", "small", "tokens_type", "patch"));
        m.put("distillation", Boolean.toString(heads));
        m.put("token_label", Boolean.toString(heads));
        return m;
    }

    @ParameterizedTest
    @CsvSource({"32,small,4,8", "28,small,4,7", "224,official,16,14", "64,small,4,16"})
    void patchSizeGivesTheT2tGrid(int img, String schedule, int patch, int grid) {
        assertEquals(patch, PatchEmbed.patchSize(img, SplitSpec.parseSchedule(schedule)));
        T2tVit t2t = ModelRegistry.createT2t("t2t_vit_7", Map.of("img_size", "" + img, "soft_split", schedule));
        T2tVit vit = ModelRegistry.createT2t("t2t_vit_7",
                Map.of("img_size", "" + img, "soft_split", schedule, "tokens_type", "patch"));
        assertEquals(grid, t2t.gridSize());
        assertEquals(grid, vit.gridSize());
        assertEquals(t2t.numPatches(), vit.numPatches());
    }

    @Test
    void aGridThatDoesNotTileTheImageIsRejectedNamingTheKey() {
        // 30 px with the small split: 15 -> 8 -> 8 tokens, and 8 does not divide 30
        UserInputException e = assertThrows(UserInputException.class, () -> ModelRegistry.createT2t("t2t_vit_7",
                Map.of("img_size", "30", "soft_split", "small", "tokens_type", "patch")));
        assertTrue(e.getMessage().contains("tokens_type=patch"), e.getMessage());
        assertThrows(UserInputException.class,
                () -> ModelRegistry.createT2t("t2t_vit_7", Map.of("tokens_type", "conv")));
    }

    /** Output [B, N, D] equals the Conv2d definition, token r*g + q from the patch at (r*p, q*p). */
    @Test
    void forwardEqualsTheConvolutionDefinition() {
        int b = 2;
        int c = 3;
        int img = 8;
        int d = 5;
        List<SplitSpec> schedule = SplitSpec.parseSchedule("3:2:1/3:2:1"); // 8 -> 4 -> 2: p = 4
        PatchEmbed pe = new PatchEmbed(img, c, d, schedule);
        int p = pe.patchSize();
        int g = pe.gridSize();
        assertEquals(4, p);
        SplittableRandom rng = new SplittableRandom(3);
        float[] x = new float[b * c * img * img];
        float[] w = new float[d * c * p * p];
        float[] bias = new float[d];
        for (float[] a : new float[][] {x, w, bias}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (rng.nextDouble() * 2 - 1);
            }
        }
        float[] expected = new float[b * g * g * d];
        for (int n = 0; n < b; n++) {
            for (int r = 0; r < g; r++) {
                for (int q = 0; q < g; q++) {
                    for (int o = 0; o < d; o++) {
                        double acc = bias[o];
                        for (int ch = 0; ch < c; ch++) {
                            for (int ki = 0; ki < p; ki++) {
                                for (int kj = 0; kj < p; kj++) {
                                    acc += w[((o * c + ch) * p + ki) * p + kj]
                                            * x[((n * c + ch) * img + r * p + ki) * img + q * p + kj];
                                }
                            }
                        }
                        expected[((n * g + r) * g + q) * d + o] = (float) acc;
                    }
                }
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            List<ParamSpec> specs = new java.util.ArrayList<>();
            pe.collect("", specs);
            assertEquals(List.of("proj.weight", "proj.bias"), specs.stream().map(ParamSpec::name).toList());
            specs.get(0).assign(m, w, DataType.FLOAT32);
            specs.get(1).assign(m, bias, DataType.FLOAT32);
            NDArray y = pe.forward(new ParameterStore(m, false), m.create(x, new Shape(b, c, img, img)), false);
            assertArrayEquals(new long[] {b, g * g, d}, y.getShape().getShape());
            assertArrayEquals(expected, y.toFloatArray(), 1e-5f);
        }
    }

    /** Whole-model parameter count from the ViT formula, and the embedding's official-style names. */
    @Test
    void parameterCountFollowsTheFormula() {
        T2tVit vit = ModelRegistry.createT2t("t2t_vit_7", small(true));
        long d = 192;
        long c = 1;
        long p = 4;
        long n = 64;
        long classes = 10;
        long hidden = (long) (d * 2.0);
        long depth = 4;
        long embedding = d * c * p * p + d;
        long tokens = 2 * d + (n + 2) * d; // cls, dist, position table
        long block = 2 * d + 3 * d * d + (d * d + d) + 2 * d + (d * hidden + hidden) + (hidden * d + d);
        long heads = 3 * (d * classes + classes); // head, head_dist, aux_head
        assertEquals(tokens + embedding + depth * block + 2 * d + heads, vit.parameterCount());
        assertEquals(vit.parameterCount() - (n + 2) * d, vit.trainableParameterCount()); // pos_embed frozen
        Map<String, ai.djl.nn.Parameter> sd = vit.stateDict();
        assertTrue(sd.containsKey("tokens_to_token.proj.weight"));
        assertTrue(sd.containsKey("tokens_to_token.proj.bias"));
        assertTrue(sd.keySet().stream().noneMatch(k -> k.startsWith("tokens_to_token.attention")
                || k.startsWith("tokens_to_token.project")), sd.keySet().toString());
        List<String> names = vit.parameterSpecs().stream().map(ParamSpec::name).toList();
        assertEquals(List.of("cls_token", "dist_token", "pos_embed", "tokens_to_token.proj.weight",
                "tokens_to_token.proj.bias"), names.subList(0, 5));
        try (NDManager m = NDManager.newBaseManager()) {
            vit.initializeWeights(m, DataType.FLOAT32, 1);
            float[] w = sd.get("tokens_to_token.proj.weight").getArray().toFloatArray();
            double bound = 1 / Math.sqrt(c * p * p);
            double max = 0;
            for (float v : w) {
                max = Math.max(max, Math.abs(v));
            }
            assertTrue(max <= bound && max > 0.9 * bound, "uniform within 1/sqrt(fan_in): max " + max);
            NDArray out = vit.forwardTrain(new ParameterStore(m, false), m.randomNormal(new Shape(3, 1, 32, 32)))
                    .aux();
            assertArrayEquals(new long[] {3, 64, 10}, out.getShape().getShape());
            assertArrayEquals(new long[] {3, 10}, vit.predict(m.randomNormal(new Shape(3, 1, 32, 32))).getShape().getShape());
        }
        assertEquals(n * d * c * p * p, new PatchEmbed(32, 1, 192, SplitSpec.SMALL).macs());
    }

    /** Every trainable tensor gets a gradient; the embedding's gradient equals finite differences. */
    @Test
    void gradientsReachTheEmbeddingAndMatchFiniteDifferences() {
        Map<String, String> tiny = new HashMap<>(Map.of("img_size", "16", "in_chans", "2", "num_classes", "3",
                "embed_dim", "8", "depth", "2", "num_heads", "2", "mlp_ratio", "2", "soft_split", "small",
                "tokens_type", "patch"));
        tiny.put("distillation", "true");
        tiny.put("token_label", "true");
        try (NDManager m = NDManager.newBaseManager()) {
            T2tVit model = ModelRegistry.createT2t("t2t_vit_7", tiny);
            model.initializeWeights(m, DataType.FLOAT64, 5);
            NDArray x = m.randomNormal(new Shape(2, 2, 16, 16)).toType(DataType.FLOAT64, false);
            NDArray probe = m.randomNormal(new Shape(2, 3)).toType(DataType.FLOAT64, false);
            ParameterStore ps = new ParameterStore(m, false);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                ModelOutputs o = model.forwardTrain(ps, x);
                gc.backward(o.cls().mul(probe).sum().add(o.dist().square().sum()).add(o.aux().square().sum()));
            }
            for (ParamSpec s : model.parameterSpecs()) {
                NDArray a = s.parameter().getArray();
                if (s.trainable()) {
                    assertTrue(a.hasGradient() && a.getGradient().abs().sum().getDouble() > 0, s.name());
                }
            }
            // a fresh model for the finite differences: eval mode, the cls output alone
            tiny.put("distillation", "false");
            tiny.put("token_label", "false");
            T2tVit fresh = ModelRegistry.createT2t("t2t_vit_7", tiny);
            fresh.initializeWeights(m, DataType.FLOAT64, 5);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(fresh.forwardParts(ps, x, false).cls().mul(probe).sum());
            }
            for (String k : new String[] {"tokens_to_token.proj.weight", "tokens_to_token.proj.bias"}) {
                FiniteDifferences.assertGradientMatches(k, fresh.stateDict().get(k).getArray(),
                        () -> fresh.forwardParts(ps, x, false).cls().mul(probe).sum().getDouble());
            }
        }
    }
}
