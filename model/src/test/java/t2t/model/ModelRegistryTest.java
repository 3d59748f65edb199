package t2t.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import t2t.protocol.UserInputException;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelRegistryTest {

    /** model.md's table, measured on the official code: params (all), GMACs at 224. */
    @ParameterizedTest
    @CsvSource({
        "t2t_vit_7, 4310222, 1.15", "t2t_vit_10, 5889230, 1.52", "t2t_vit_12, 6941902, 1.76",
        "t2t_vit_14, 21545550, 4.78", "t2t_vit_19, 39177422, 8.48", "t2t_vit_24, 64105934, 13.66",
        "t2t_vit_t_14, 21541070, 6.09", "t2t_vit_t_19, 39172942, 9.79", "t2t_vit_t_24, 64101454, 14.97",
        "t2t_vit_14_resnext, 21545550, 4.78", "t2t_vit_14_wide, 25156302, 5.23"})
    void parameterCountsAndMacsMatchTheOfficialModels(String name, long params, double gmacs) {
        VisionModel m = ModelRegistry.create(name, Map.of());
        assertEquals(params, m.parameterCount());
        T2tVit t = (T2tVit) m;
        long frozen = (long) (t.numPatches() + 1) * t.config().embedDim()
                + (t.config().tokensType().equals("performer") ? 2 * 32 * 64 : 0);
        assertEquals(params - frozen, m.trainableParameterCount());
        assertEquals(gmacs, m.macs() / 1e9, 0.01); // the table has two decimals; t_19 counts 9.785
    }

    @Test
    void trainableCountOfT2tVit7AndThe384pxTable() {
        assertEquals(4_255_694, ModelRegistry.create("t2t_vit_7", Map.of()).trainableParameterCount());
        assertEquals(21_691_470, ModelRegistry.create("t2t_vit_14", Map.of("img_size", "384")).parameterCount());
    }

    @Test
    void registersTheElevenOfficialNames() {
        assertTrue(ModelRegistry.names().containsAll(List.of("t2t_vit_7", "t2t_vit_10", "t2t_vit_12", "t2t_vit_14",
                "t2t_vit_19", "t2t_vit_24", "t2t_vit_t_14", "t2t_vit_t_19", "t2t_vit_t_24", "t2t_vit_14_resnext",
                "t2t_vit_14_wide")));
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        UserInputException e = assertThrows(UserInputException.class, () -> ModelRegistry.create("t2t_vit_8", Map.of()));
        assertTrue(e.getMessage().contains("t2t_vit_8") && e.getMessage().contains("t2t_vit_14_wide"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"depth, two", "num_heads, 5", "qkv_bias, yes", "tokens_type, convolution", "drop_path_rate, 1.5",
            "soft_split, 7:4", "mlp_ratio, -1", "bogus_key, 1"})
    void badOverrideNamesTheKey(String key, String value) {
        UserInputException e = assertThrows(UserInputException.class,
                () -> ModelRegistry.create("t2t_vit_7", Map.of(key, value)));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void modelArgsParse() {
        assertEquals(Map.of("embed_dim", "256", "num_classes", "10"), ModelArgs.parse("embed_dim=256, num_classes=10"));
        assertThrows(UserInputException.class, () -> ModelArgs.parse("embed_dim"));
    }

    @Test
    void carriesItsDataConfig() {
        DataConfig d = ModelRegistry.create("t2t_vit_7", Map.of()).dataConfig();
        assertEquals(224, d.imgSize());
        assertEquals(0.9, d.cropPct());
        assertEquals("bicubic", d.interpolation());
        assertEquals(List.of(0.485f, 0.456f, 0.406f), d.mean());
    }

    @Test
    void smallScheduleGivesAnEightByEightGridAt32px() {
        T2tVit m = ModelRegistry.createT2t("t2t_vit_7", Map.of("img_size", "32", "soft_split", "small"));
        assertEquals(8, m.gridSize());
    }

    static List<String> names() {
        return ModelRegistry.names();
    }

    /** Every registered variant runs a forward pass (at 32 px, small schedule, depth 2, to stay fast). */
    @ParameterizedTest
    @MethodSource("names")
    void everyVariantRunsForward(String name) {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, String> args = name.startsWith("t2t_vit")
                    ? Map.of("img_size", "32", "soft_split", "small", "num_classes", "3", "depth", "2")
                    : Map.of("img_size", "32", "num_classes", "3");
            VisionModel model = ModelRegistry.create(name, args);
            model.initializeWeights(m, DataType.FLOAT32, 1);
            NDArray y = model.predict(m.randomNormal(new Shape(2, 3, 32, 32)));
            assertArrayEquals(new long[] {2, 3}, y.getShape().getShape());
            for (float v : y.toFloatArray()) {
                assertTrue(Float.isFinite(v));
            }
        }
    }
}
