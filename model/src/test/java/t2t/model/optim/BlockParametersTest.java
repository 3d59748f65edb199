package t2t.model.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;
import t2t.model.teacher.CnnNet;
import t2t.model.teacher.CnnTeachers;

class BlockParametersTest {

    @Test
    void gradientsAreFreshEachStepAndValuesWriteBack() {
        Engine.getInstance().setRandomSeed(3);
        try (NDManager m = NDManager.newBaseManager()) {
            CnnNet net = CnnTeachers.create("resnet_tiny", 4, 1, 12);
            CnnTeachers.initialize(net, m, 1, 12);
            net.getParameters().forEach(p -> {
                if (p.getValue().requiresGradient()) {
                    p.getValue().getArray().setRequiresGradient(true);
                }
            });
            BlockParameters params = new BlockParameters(net);
            FlatLayout layout = params.layout(DecayRule.standard());
            assertEquals(layout.size(), params.size());
            assertFalse(layout.frozen().isEmpty(), "BatchNorm running statistics are frozen entries");
            assertTrue(layout.slots().stream().anyMatch(FlatLayout.Slot::decay));
            assertTrue(layout.slots().stream().anyMatch(s -> !s.decay()));

            ParameterStore ps = new ParameterStore(m, false);
            NDArray x = m.randomNormal(new Shape(4, 1, 12, 12));
            float[] g1 = new float[params.size()];
            float[] g2 = new float[params.size()];
            for (float[] g : new float[][] {g1, g2}) {
                try (NDManager step = m.newSubManager();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray logits = net.forward(ps, new NDList(x), false).singletonOrThrow();
                    gc.backward(logits.square().sum());
                }
                params.takeGradients(g);
            }
            assertTrue(GradClip.sumOfSquares(g1, 0, g1.length) > 0);
            assertArrayEquals(g1, g2, 1e-6f, "the second backward does not accumulate onto the first");

            float[] values = new float[params.size()];
            params.readValues(values);
            for (int i = 0; i < values.length; i++) {
                values[i] += 0.5f;
            }
            params.writeValues(values);
            float[] back = new float[params.size()];
            params.readValues(back);
            assertArrayEquals(values, back);
        }
    }
}
