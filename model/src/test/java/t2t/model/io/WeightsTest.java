package t2t.model.io;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import t2t.model.Fixtures;
import t2t.model.ModelRegistry;
import t2t.model.T2tVit;
import t2t.protocol.UserInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WeightsTest {
    private static final Map<String, String> TINY = Map.of("img_size", "28", "in_chans", "1", "num_classes", "5",
            "embed_dim", "32", "depth", "1", "num_heads", "2", "mlp_ratio", "1.0", "token_dim", "8",
            "soft_split", "7:4:2/3:1:1/3:1:1");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"F32", "F16", "BF16"})
    void roundTripKeepsNamesOrderAndValues(String dtype) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            T2tVit a = ModelRegistry.createT2t("t2t_vit_7", TINY);
            a.initializeWeights(m, DataType.FLOAT32, 5);
            Path f = dir.resolve("w.safetensors");
            Weights.save(a, f, dtype);
            T2tVit b = ModelRegistry.createT2t("t2t_vit_7", TINY);
            Weights.load(b, f, m, DataType.FLOAT32);
            Map<String, Tensor> ea = Weights.export(a);
            Map<String, Tensor> eb = Weights.export(b);
            assertEquals(new java.util.ArrayList<>(ea.keySet()), new java.util.ArrayList<>(Safetensors.read(f).keySet()));
            float tol = dtype.equals("F32") ? 0f : dtype.equals("F16") ? 2e-3f : 1e-2f;
            for (String k : ea.keySet()) {
                float[] x = ea.get(k).values();
                float[] y = eb.get(k).values();
                for (int i = 0; i < x.length; i++) {
                    assertEquals(x[i], y[i], tol * Math.max(1f, Math.abs(x[i])), k);
                }
            }
            assertFalse(b.stateDict().get("pos_embed").getArray().hasGradient());
        }
    }

    @Test
    void digestFollowsTheWeights() {
        try (NDManager m = NDManager.newBaseManager()) {
            T2tVit a = ModelRegistry.createT2t("t2t_vit_7", TINY);
            T2tVit b = ModelRegistry.createT2t("t2t_vit_7", TINY);
            a.initializeWeights(m, DataType.FLOAT32, 5);
            b.initializeWeights(m, DataType.FLOAT32, 5);
            assertEquals(Weights.sha256(a), Weights.sha256(b));
            b.stateDict().get("head.bias").getArray().set(new float[] {0, 0, 0, 0, 1e-7f});
            assertFalse(Weights.sha256(a).equals(Weights.sha256(b)));
            assertEquals(64, Weights.sha256(a).length());
        }
    }

    @Test
    void readsTheFileTheReferenceScriptWrote() {
        Map<String, Tensor> t = Safetensors.read(Fixtures.resource("t2t_vit_7_tiny28_f32.safetensors"));
        assertEquals("cls_token", t.keySet().iterator().next());
        assertArrayEquals(new long[] {4, 8}, t.get("tokens_to_token.attention1.w").shape()); // token_dim 8
    }

    @Test
    void strictLoadListsMissingUnexpectedAndMisShapedKeys() {
        Map<String, Tensor> t = new LinkedHashMap<>(Safetensors.read(Fixtures.resource("t2t_vit_7_tiny28_f32.safetensors")));
        t.remove("norm.bias");
        t.put("extra.weight", new Tensor("F32", new long[] {1}, new float[1]));
        t.put("head.weight", new Tensor("F32", new long[] {6, 32}, new float[6 * 32]));
        try (NDManager m = NDManager.newBaseManager()) {
            UserInputException e = assertThrows(UserInputException.class,
                    () -> Weights.load(ModelRegistry.createT2t("t2t_vit_7", TINY), t, m, DataType.FLOAT32, true));
            assertTrue(e.getMessage().contains("missing [norm.bias]"), e.getMessage());
            assertTrue(e.getMessage().contains("unexpected [extra.weight]"), e.getMessage());
            assertTrue(e.getMessage().contains("mis-shaped [head.weight [6, 32]"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void modulePrefixIsToleratedAndPositionTableRegeneratedForAnotherSize() {
        Map<String, Tensor> prefixed = new LinkedHashMap<>();
        Safetensors.read(Fixtures.resource("t2t_vit_7_tiny28_f32.safetensors")).forEach((k, v) -> prefixed.put("module." + k, v));
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, String> bigger = new java.util.HashMap<>(TINY);
            bigger.put("img_size", "56"); // 14x14 tokens instead of 7x7
            T2tVit model = ModelRegistry.createT2t("t2t_vit_7", bigger);
            Weights.load(model, prefixed, m, DataType.FLOAT32, true);
            assertEquals(197, model.stateDict().get("pos_embed").getArray().getShape().get(1));
            assertArrayEquals(prefixed.get("module.tokens_to_token.attention1.w").values(),
                    model.stateDict().get("tokens_to_token.attention1.w").getArray().toFloatArray(), 0f);
            assertEquals(2, model.predict(m.randomNormal(new Shape(2, 1, 56, 56))).getShape().get(0));
        }
    }

    @Test
    void truncatedFileIsRefusedWithOneLine() throws IOException {
        byte[] all = Files.readAllBytes(Fixtures.resource("t2t_vit_7_tiny28_f32.safetensors"));
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 100));
        UserInputException e = assertThrows(UserInputException.class, () -> Safetensors.read(cut));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void nonSafetensorsFilesAreRefused() throws IOException {
        Path pickle = dir.resolve("model.pth");
        Files.write(pickle, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8});
        UserInputException e = assertThrows(UserInputException.class, () -> Safetensors.read(pickle));
        assertTrue(e.getMessage().contains("not a valid safetensors"), e.getMessage());
        Path text = dir.resolve("x.safetensors");
        Files.writeString(text, "hello");
        assertThrows(UserInputException.class, () -> Safetensors.read(text));
        assertThrows(UserInputException.class, () -> Safetensors.read(dir.resolve("absent.safetensors")));
    }

    @Test
    void halfConversionsRoundToNearestEven() {
        for (float f : new float[] {0f, 1f, -2.5f, 65504f, 1e-7f, 6.1e-5f, 0.1f, 3.14159f}) {
            float back = Half.halfToFloat(Half.floatToHalf(f));
            assertEquals(f, back, Math.abs(f) * 1e-3f + 6e-8f);
        }
        assertEquals(Float.POSITIVE_INFINITY, Half.halfToFloat(Half.floatToHalf(70000f)));
        assertEquals(1.0f, Half.bf16ToFloat(Half.floatToBf16(1.00390625f))); // tie -> even
    }
}
