package t2t.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A step leaves nothing behind in the manager that holds the weights (no per-step growth). */
class ScopeTest {

    @ParameterizedTest
    @ValueSource(strings = {"t2t_vit_7", "t2t_vit_t_14"})
    void trainingStepsDoNotGrowTheWeightsManager(String name) {
        try (NDManager weights = NDManager.newBaseManager()) {
            T2tVit model = ModelRegistry.createT2t(name, Map.of("img_size", "32", "soft_split", "small", "num_classes", "4",
                    "embed_dim", "16", "depth", "2", "num_heads", "2", "token_dim", "8",
                    "distillation", "true", "token_label", "true", "drop_path_rate", "0.1"));
            model.initializeWeights(weights, DataType.FLOAT32, 1);
            // DJL's own initialize (what a Trainer calls) keeps the weights and is then a no-op
            model.initialize(weights, DataType.FLOAT32, new Shape(2, 3, 32, 32));
            assertTrue(model.isInitialized());
            int before = -1;
            for (int step = 0; step < 3; step++) {
                try (NDManager s = weights.newSubManager()) {
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        ModelOutputs o = model.forwardTrain(new ParameterStore(s, false), s.randomNormal(new Shape(2, 3, 32, 32)));
                        gc.backward(o.cls().sum().add(o.dist().sum()).add(o.aux().sum()));
                    }
                    model.predict(s.randomNormal(new Shape(2, 3, 32, 32)));
                }
                int now = weights.getManagedArrays().size();
                if (step > 0) {
                    assertEquals(before, now, "arrays left in the weights manager after step " + step);
                }
                before = now;
            }
        }
    }
}
