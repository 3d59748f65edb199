package t2t.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import t2t.model.io.Tensor;
import t2t.model.io.Weights;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Logits equal the official PyTorch implementation's (model/tools/make_parity_fixtures.py) to
 * 1e-4 of the largest |logit|.
 */
@org.junit.jupiter.api.extension.ExtendWith(t2t.model.check.IsaCap.class)
class ParityTest {
    private static final double TOL = 1e-4;

    @Test
    void t2tVit7At224() {
        formulaCase("t2t_vit_7", Map.of(), "t2t_vit_7_224", 2, 3, 224);
    }

    @Test
    void t2tVitT14At224() {
        formulaCase("t2t_vit_t_14", Map.of(), "t2t_vit_t_14_224", 1, 3, 224);
    }

    @Test
    void customPerformerWithQkvBiasAndQkScaleAt64() {
        formulaCase("t2t_vit_7", Map.of("img_size", "64", "in_chans", "1", "num_classes", "7", "embed_dim", "96",
                "depth", "2", "num_heads", "3", "mlp_ratio", "1.5", "qkv_bias", "true", "qk_scale", "0.125",
                "token_dim", "32"), "t2t_vit_7_64_custom", 2, 1, 64);
    }

    @Test
    void shrunkTransformerSmallScheduleBf16Weights() {
        fileCase("t2t_vit_t_14", Map.of("img_size", "32", "num_classes", "10", "embed_dim", "64", "depth", "2",
                "num_heads", "4", "mlp_ratio", "2.0", "soft_split", "small"), "t2t_vit_t_small32_bf16");
    }

    @Test
    void shrunkPerformerSmallScheduleF16Weights() {
        fileCase("t2t_vit_7", Map.of("img_size", "32", "in_chans", "1", "num_classes", "10", "embed_dim", "48",
                "depth", "2", "num_heads", "2", "mlp_ratio", "2.0", "qkv_bias", "true", "token_dim", "16",
                "soft_split", "small"), "t2t_vit_7_small32_f16");
    }

    @Test
    void customScheduleAt28pxF32Weights() {
        fileCase("t2t_vit_7", Map.of("img_size", "28", "in_chans", "1", "num_classes", "5", "embed_dim", "32",
                "depth", "1", "num_heads", "2", "mlp_ratio", "1.0", "token_dim", "8",
                "soft_split", "7:4:2/3:1:1/3:1:1"), "t2t_vit_7_tiny28_f32");
    }

    private static void formulaCase(String name, Map<String, String> args, String fixture, int b, int c, int img) {
        Tensor expected = Fixtures.npy(fixture + ".logits.npy");
        try (NDManager m = NDManager.newBaseManager()) {
            T2tVit model = ModelRegistry.createT2t(name, args);
            Fixtures.setFormulaWeights(model, m);
            NDArray x = m.create(Fixtures.formulaInput((long) b * c * img * img), new Shape(b, c, img, img));
            check(model.predict(x), expected);
        }
    }

    private static void fileCase(String name, Map<String, String> args, String fixture) {
        Tensor in = Fixtures.npy(fixture + ".input.npy");
        Tensor expected = Fixtures.npy(fixture + ".logits.npy");
        try (NDManager m = NDManager.newBaseManager()) {
            T2tVit model = ModelRegistry.createT2t(name, args);
            Weights.load(model, Fixtures.resource(fixture + ".safetensors"), m, DataType.FLOAT32);
            check(model.predict(m.create(in.values(), new Shape(in.shape()))), expected);
        }
    }

    private static void check(NDArray logits, Tensor expected) {
        assertArrayEquals(expected.shape(), logits.getShape().getShape());
        double err = Fixtures.relError(logits.toFloatArray(), expected.values());
        assertTrue(err <= TOL, "relative error " + err + " > " + TOL);
    }
}
