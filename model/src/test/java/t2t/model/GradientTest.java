package t2t.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import t2t.model.layers.ParamSpec;
import t2t.model.testing.FiniteDifferences;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@org.junit.jupiter.api.extension.ExtendWith(t2t.model.check.IsaCap.class)
class GradientTest {
    private static Map<String, String> tiny(boolean extras) {
        Map<String, String> m = new java.util.HashMap<>(Map.of("img_size", "16", "in_chans", "2", "num_classes", "3",
                "embed_dim", "8", "depth", "2", "num_heads", "2", "mlp_ratio", "2", "token_dim", "4",
                "soft_split", "3:2:1/3:2:1/3:1:1", "qkv_bias", "true"));
        if (extras) {
            m.put("distillation", "true");
            m.put("token_label", "true");
        }
        return m;
    }

    /** Backward reaches every trainable tensor, with a nonzero gradient, and no frozen one. */
    @ParameterizedTest
    @ValueSource(strings = {"t2t_vit_7", "t2t_vit_t_14"})
    void gradientsReachEveryTrainableParameterAndNoFrozenOne(String name) {
        try (NDManager m = NDManager.newBaseManager()) {
            T2tVit model = ModelRegistry.createT2t(name, tiny(true));
            model.initializeWeights(m, DataType.FLOAT32, 9);
            NDArray x = m.randomNormal(new Shape(2, 2, 16, 16));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                ModelOutputs o = model.forwardTrain(new ParameterStore(m, false), x);
                gc.backward(o.cls().square().sum().add(o.dist().square().sum()).add(o.aux().square().sum()));
            }
            for (ParamSpec s : model.parameterSpecs()) {
                NDArray a = s.parameter().getArray();
                if (s.trainable()) {
                    assertTrue(a.hasGradient(), s.name());
                    assertTrue(a.getGradient().abs().sum().getFloat() > 0f, s.name() + " has a zero gradient");
                } else {
                    assertFalse(a.hasGradient() && a.getGradient().abs().sum().getFloat() > 0f, s.name() + " is frozen");
                }
            }
            java.util.List<String> frozen = model.parameterSpecs().stream().filter(s -> !s.trainable()).map(ParamSpec::name).toList();
            assertEquals(name.equals("t2t_vit_7")
                    ? java.util.List.of("pos_embed", "tokens_to_token.attention1.w", "tokens_to_token.attention2.w")
                    : java.util.List.of("pos_embed"), frozen);
        }
    }

    /** Analytic gradients equal central finite differences, in float64, eval mode (deterministic). */
    @ParameterizedTest
    @ValueSource(strings = {"t2t_vit_7", "t2t_vit_t_14"})
    void gradientsMatchFiniteDifferences(String name) {
        try (NDManager m = NDManager.newBaseManager()) {
            T2tVit model = ModelRegistry.createT2t(name, tiny(false));
            model.initializeWeights(m, DataType.FLOAT64, 11);
            // larger weights than the 0.02 init so every path carries signal
            for (ParamSpec s : model.parameterSpecs()) {
                if (s.trainable()) {
                    NDArray a = s.parameter().getArray();
                    a.set(m.randomNormal(0, 0.3f, a.getShape(), DataType.FLOAT64).add(s.shape().dimension() == 1 && s.name().endsWith("weight") ? 1 : 0).toByteBuffer());
                }
            }
            NDArray x = m.randomNormal(new Shape(2, 2, 16, 16)).toType(DataType.FLOAT64, false);
            NDArray probe = m.randomNormal(new Shape(2, 3)).toType(DataType.FLOAT64, false);
            ParameterStore ps = new ParameterStore(m, false);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(model.forwardParts(ps, x, false).cls().mul(probe).sum());
            }
            String[] checked = {"cls_token", "tokens_to_token.attention1.norm1.weight", "tokens_to_token.project.weight",
                    "blocks.0.attn.qkv.weight", "blocks.1.mlp.fc2.bias", "norm.bias", "head.weight"};
            Map<String, ai.djl.nn.Parameter> sd = model.stateDict();
            for (String k : checked) {
                FiniteDifferences.assertGradientMatches(k, sd.get(k).getArray(),
                        () -> model.forwardParts(ps, x, false).cls().mul(probe).sum().getDouble());
            }
        }
    }
}
