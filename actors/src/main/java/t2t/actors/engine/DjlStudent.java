package t2t.actors.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import t2t.actors.runtime.ShardRange;
import t2t.actors.runtime.StudentCompute;
import t2t.actors.runtime.TrainBatch;
import t2t.model.ModelOutputs;
import t2t.model.VisionModel;
import t2t.model.layers.Noise;
import t2t.model.loss.Objective;

/**
 * A worker's replica of the student on the PyTorch engine. Every step's arrays live in a
 * sub-manager closed before the step returns, so native memory stays flat.
 */
public final class DjlStudent implements StudentCompute {
    private final NDManager manager;
    private final VisionModel model;
    private final TrainForward forward;
    private final Objective objective;
    private final FlatSlots slots;
    private final ParameterStore store;
    private final int threads;

    /** The model's training forward: everything the objective needs. */
    @FunctionalInterface
    public interface TrainForward {
        ModelOutputs apply(ParameterStore ps, NDArray images);
    }

    /** @param threads native compute threads for this worker's ops (libtorch's count is per calling thread) */
    public DjlStudent(NDManager manager, VisionModel model, TrainForward forward, Objective objective, int threads) {
        this.threads = threads;
        this.manager = manager;
        this.model = model;
        this.forward = forward;
        this.objective = objective;
        this.slots = FlatSlots.of(model);
        this.store = new ParameterStore(manager, false);
    }

    public FlatSlots slots() {
        return slots;
    }

    @Override
    public int numParams() {
        return slots.size();
    }

    @Override
    public float[] readParams() {
        float[] out = new float[slots.size()];
        slots.read(out);
        return out;
    }

    @Override
    public void writeParams(int offset, float[] data) {
        slots.write(offset, data);
    }

    @Override
    public StepLoss trainStep(TrainBatch b, long noiseSeed, float[] gradOut) {
        return trainStep(b, noiseSeed, gradOut, null, null);
    }

    @Override
    public StepLoss trainStep(TrainBatch b, long noiseSeed, float[] gradOut, java.util.List<ShardRange> ranges,
                              java.util.function.Consumer<ShardRange> ready) {
        // The actor may run on any thread of its dispatcher: set this thread's native thread count.
        JniUtils.setNumThreads(threads);
        slots.flush();
        try (NDManager step = manager.newSubManager(); Noise.Scope noise = Noise.seeded(noiseSeed)) {
            NDArray x = step.create(b.pixels(), new Shape(b.size(), b.channels(), b.height(), b.width()));
            NDArray targets = step.create(b.targets(), new Shape(b.size(), b.numClasses()));
            NDArray teacher = b.teacherLogits() == null ? null
                    : step.create(b.teacherLogits(), new Shape(b.size(), b.numClasses()));
            NDArray tokens = b.tokenTargets() == null ? null
                    : step.create(b.tokenTargets(), new Shape(b.size(), (long) b.gridH() * b.gridW(), b.numClasses()));
            Objective.Result loss;
            try (ThreadGradients gc = new ThreadGradients()) {
                ModelOutputs out = forward.apply(store, x);
                loss = objective.compute(out.cls(), out.dist(), out.aux(), targets, teacher, tokens);
                gc.backward(loss.total());
            }
            // Host copies: this is where the step waits for the device.
            if (ranges == null) {
                slots.takeGradients(gradOut);
            } else {
                for (ShardRange r : ranges) {
                    slots.takeGradients(gradOut, r.offset(), r.end());
                    ready.accept(r);
                }
                slots.zeroGradients();
            }
            var parts = loss.parts();
            return new StepLoss(parts.total(), parts.base(), parts.distill(), parts.dense());
        }
    }

    @Override
    public float[] evalLogits(float[] pixels, int size, int channels, int height, int width) {
        JniUtils.setNumThreads(threads);
        slots.flush();
        try (NDManager step = manager.newSubManager()) {
            NDArray x = step.create(pixels, new Shape(size, channels, height, width));
            return model.predict(x).toFloatArray();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
