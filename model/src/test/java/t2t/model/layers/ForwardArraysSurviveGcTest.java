package t2t.model.layers;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;
import t2t.model.ModelOutputs;
import t2t.model.ModelRegistry;
import t2t.model.T2tVit;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Arrays made from Java data inside a forward (the unfold kernel, dropout and drop-path masks)
 * must stay valid for backward after their block's scope closed, even when the garbage collector
 * runs in between and the freed memory is reused: otherwise backward reads garbage.
 */
class ForwardArraysSurviveGcTest {
    private static float[] gradient(boolean gcBetween) {
        try (NDManager m = NDManager.newBaseManager(); Noise.Scope noise = Noise.seeded(3)) {
            T2tVit model = (T2tVit) ModelRegistry.create("t2t_vit_7", Map.of("img_size", "32", "in_chans", "1",
                    "num_classes", "4", "embed_dim", "32", "depth", "2", "num_heads", "2", "soft_split", "small",
                    "drop_path_rate", "0.5"));
            model.initializeWeights(m, DataType.FLOAT32, 1);
            NDArray x = m.randomNormal(new Shape(4, 1, 32, 32));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                ModelOutputs out = model.forwardTrain(new ParameterStore(m, false), x);
                NDArray loss = out.cls().square().sum();
                if (gcBetween) {
                    pressure();
                }
                gc.backward(loss);
            }
            NDArray g = model.parameterSpecs().stream()
                    .filter(s -> s.name().equals("tokens_to_token.attention1.kqv.weight")).findFirst().orElseThrow()
                    .parameter().getArray().getGradient();
            float[] v = g.toFloatArray();
            g.close();
            return v;
        }
    }

    /** Collects, then hands freed native memory back out filled with NaN bytes. */
    private static void pressure() {
        List<ByteBuffer> poison = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (int i = 0; i < 64; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4096 * (1 + i % 16));
                while (b.hasRemaining()) {
                    b.put((byte) 0xFF);
                }
                poison.add(b);
            }
        }
        poison.clear();
    }

    @Test
    void gradientsDoNotDependOnWhenTheCollectorRuns() {
        Engine.getInstance().setRandomSeed(5);
        float[] first = gradient(false);
        Engine.getInstance().setRandomSeed(5);
        float[] calm = gradient(false);
        assertArrayEquals(first, calm, 0f);
        Engine.getInstance().setRandomSeed(5);
        float[] stressed = gradient(true);
        assertArrayEquals(calm, stressed, 0f);
    }
}
