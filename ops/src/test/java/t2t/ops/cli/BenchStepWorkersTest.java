package t2t.ops.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import t2t.model.ModelRegistry;
import t2t.model.T2tVit;
import t2t.model.layers.ParamSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two workers on slices of a batch leave the same gradients on the weights as one worker on all of it. */
class BenchStepWorkersTest {

    @Test
    void slicesSumToTheWholeBatchGradient() {
        // No stochastic layer (token transformer, no drop path), so both runs see the same function.
        Map<String, String> args = new HashMap<>(Map.of("img_size", "32", "num_classes", "10", "embed_dim", "64",
                "depth", "2", "num_heads", "4", "mlp_ratio", "2.0", "soft_split", "small"));
        args.put("tokens_type", "transformer");
        args.put("drop_path_rate", "0");
        T2tVit model = ModelRegistry.createT2t("t2t_vit_7", args);
        Engine.getInstance().setRandomSeed(3);
        try (NDManager base = NDManager.newBaseManager()) {
            model.initializeWeights(base, DataType.FLOAT32, 5);
            NDArray x = base.randomNormal(new Shape(5, 3, 32, 32));
            NDArray target = base.randomInteger(0, 10, new Shape(5), DataType.INT32).oneHot(10);
            List<float[]> one = gradients(model, base, 1, x, target);
            List<float[]> two = gradients(model, base, 2, x, target);
            double worst = 0;
            double largest = 0;
            for (int i = 0; i < one.size(); i++) {
                assertEquals(one.get(i).length, two.get(i).length);
                for (int j = 0; j < one.get(i).length; j++) {
                    worst = Math.max(worst, Math.abs(one.get(i)[j] - two.get(i)[j]));
                    largest = Math.max(largest, Math.abs(one.get(i)[j]));
                }
            }
            assertTrue(largest > 1e-3, "gradients are not trivially zero");
            assertTrue(worst <= 1e-5 * largest, "max |diff| " + worst + " of max |grad| " + largest);
        }
    }

    @Test
    void updateOnWorkerThreadsEqualsTheSequentialUpdate() {
        T2tVit model = ModelRegistry.createT2t("t2t_vit_7", Map.of("img_size", "32", "num_classes", "10",
                "embed_dim", "64", "depth", "2", "num_heads", "4", "mlp_ratio", "2.0", "soft_split", "small"));
        Engine.getInstance().setRandomSeed(4);
        try (NDManager base = NDManager.newBaseManager()) {
            model.initializeWeights(base, DataType.FLOAT32, 6);
            List<ParamSpec> trainable = model.parameterSpecs().stream().filter(ParamSpec::trainable).toList();
            List<NDArray> start = trainable.stream().map(p -> p.parameter().getArray().duplicate()).toList();
            NDArray x = base.randomNormal(new Shape(4, 3, 32, 32));
            NDArray target = base.randomInteger(0, 10, new Shape(4), DataType.INT32).oneHot(10);
            try (BenchStepWorkers pool = new BenchStepWorkers(model, base, 1, 1)) {
                pool.forwardBackward(x, target);
            }
            List<NDArray> grads = trainable.stream().map(p -> p.parameter().getArray().getGradient().duplicate()).toList();
            List<float[]> threaded = updated(model, base, trainable, start, grads, 3);
            List<float[]> sequential = updated(model, base, trainable, start, grads, 1);
            for (int i = 0; i < trainable.size(); i++) {
                assertTrue(java.util.Arrays.equals(threaded.get(i), sequential.get(i)), trainable.get(i).name());
                assertTrue(!java.util.Arrays.equals(threaded.get(i), start.get(i).toFloatArray()), "weights moved");
            }
        }
    }

    /** The weights after one AdamW update from {@code start} with {@code grads}, on {@code workers} threads. */
    private static List<float[]> updated(T2tVit model, NDManager base, List<ParamSpec> trainable, List<NDArray> start,
                                         List<NDArray> grads, int workers) {
        for (int i = 0; i < trainable.size(); i++) {
            NDArray w = trainable.get(i).parameter().getArray();
            w.getGradient().subi(w.getGradient()).addi(grads.get(i));
            w.subi(w).addi(start.get(i));
        }
        ai.djl.training.optimizer.Optimizer opt = ai.djl.training.optimizer.AdamW.builder()
                .optLearningRateTracker(ai.djl.training.tracker.Tracker.fixed(1e-2f)).optWeightDecays(0.05f).build();
        try (BenchStepWorkers pool = new BenchStepWorkers(model, base, workers, 1)) {
            pool.update(trainable, opt);
        }
        return trainable.stream().map(p -> p.parameter().getArray().toFloatArray()).toList();
    }

    private static List<float[]> gradients(T2tVit model, NDManager base, int workers, NDArray x, NDArray target) {
        try (BenchStepWorkers pool = new BenchStepWorkers(model, base, workers, 1)) {
            pool.forwardBackward(x, target);
        }
        List<float[]> out = new ArrayList<>();
        for (ParamSpec s : model.parameterSpecs()) {
            if (s.trainable()) {
                NDArray g = s.parameter().getArray().getGradient();
                out.add(g.toFloatArray());
                g.subi(g);
                g.close();
            }
        }
        return out;
    }
}
