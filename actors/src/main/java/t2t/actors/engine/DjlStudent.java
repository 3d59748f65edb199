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
import t2t.model.StagedForward;
import t2t.model.VisionModel;
import t2t.model.layers.Noise;
import t2t.model.loss.Objective;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * A worker's replica of the student on the PyTorch engine. Every step's arrays live in a
 * sub-manager closed before the step returns, so native memory stays flat.
 */
public final class DjlStudent implements StudentCompute {
    private final NDManager manager;
    private final VisionModel model;
    private final TrainForward forward;
    private final StagedForward staged;
    private final Objective objective;
    private final FlatSlots slots;
    /** Per slot: the stage after whose backward its gradient is final (0 without stages). */
    private final int[] slotStage;
    private final ParameterStore store;
    private final int threads;

    /** The model's training forward: everything the objective needs. */
    @FunctionalInterface
    public interface TrainForward {
        ModelOutputs apply(ParameterStore ps, NDArray images);
    }

    /** @param threads native compute threads for this worker's ops (libtorch's count is per calling thread) */
    public DjlStudent(NDManager manager, VisionModel model, TrainForward forward, Objective objective, int threads) {
        this(manager, model, forward, null, objective, threads);
    }

    /**
     * @param staged the same forward cut into stages, run with a backward per stage so that gradient
     *               buckets leave during backward; null for one backward over the whole graph
     */
    public DjlStudent(NDManager manager, VisionModel model, TrainForward forward, StagedForward staged,
                      Objective objective, int threads) {
        this.threads = threads;
        this.manager = manager;
        this.model = model;
        this.forward = forward;
        this.staged = staged;
        this.objective = objective;
        this.slots = FlatSlots.of(model);
        this.slotStage = new int[slots.slots().size()];
        if (staged != null) {
            for (int i = 0; i < slotStage.length; i++) {
                slotStage[i] = staged.stageOf(slots.slots().get(i).name());
            }
        }
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
        return step(b, noiseSeed, new Buckets(List.of(new ShardRange(0, 0, slots.size())), gradOut, null));
    }

    @Override
    public StepLoss trainStep(TrainBatch b, long noiseSeed, List<ShardRange> buckets, BiConsumer<ShardRange, float[]> ready) {
        return step(b, noiseSeed, new Buckets(buckets, null, ready));
    }

    private StepLoss step(TrainBatch b, long noiseSeed, Buckets out) {
        // The actor may run on any thread of its dispatcher: set this thread's native thread count.
        JniUtils.setNumThreads(threads);
        try (NDManager step = manager.newSubManager(); Noise.Scope noise = Noise.seeded(noiseSeed)) {
            NDArray x = step.create(b.pixels(), new Shape(b.size(), b.channels(), b.height(), b.width()));
            NDArray targets = step.create(b.targets(), new Shape(b.size(), b.numClasses()));
            NDArray teacher = b.teacherLogits() == null ? null
                    : step.create(b.teacherLogits(), new Shape(b.size(), b.numClasses()));
            NDArray tokens = b.tokenTargets() == null ? null
                    : step.create(b.tokenTargets(), new Shape(b.size(), (long) b.gridH() * b.gridW(), b.numClasses()));
            Objective.Result loss;
            try (ThreadGradients gc = new ThreadGradients()) {
                if (staged == null) {
                    ModelOutputs o = forward.apply(store, x);
                    loss = objective.compute(o.cls(), o.dist(), o.aux(), targets, teacher, tokens);
                    gc.backward(loss.total());
                    out.handOver(0);
                } else {
                    loss = stagedStep(gc, x, targets, teacher, tokens, out);
                }
            }
            slots.zeroGradients();
            var parts = loss.parts();
            return new StepLoss(parts.total(), parts.base(), parts.distill(), parts.dense());
        }
    }

    /**
     * Forward stage by stage, each stage's input a detached copy of the previous output that
     * records its own gradient; then backward from the loss through the last stage, and through
     * each earlier stage seeded with the gradient its output received. After each stage's backward
     * its parameters' gradients are final, and the buckets they complete leave at once, while the
     * earlier stages (the T2T module, where most of the compute is) are still in backward.
     */
    private Objective.Result stagedStep(ThreadGradients gc, NDArray x, NDArray targets, NDArray teacher, NDArray tokens,
                                        Buckets out) {
        int n = staged.stageCount();
        NDArray[] outputs = new NDArray[n - 1];
        NDArray[] inputs = new NDArray[n];
        inputs[0] = x;
        for (int k = 0; k < n - 1; k++) {
            outputs[k] = staged.forwardStage(k, store, inputs[k], true);
            inputs[k + 1] = outputs[k].stopGradient();
            inputs[k + 1].setRequiresGradient(true);
        }
        ModelOutputs o = staged.forwardLastStage(store, inputs[n - 1], true);
        Objective.Result loss = objective.compute(o.cls(), o.dist(), o.aux(), targets, teacher, tokens);
        gc.backward(loss.total());
        out.handOver(n - 1);
        for (int k = n - 2; k >= 0; k--) {
            try (NDArray seed = inputs[k + 1].getGradient()) {
                gc.backward(outputs[k], seed);
            }
            out.handOver(k);
        }
        return loss;
    }

    /**
     * The buckets of one step, handed over in list order as soon as the stages they need are done:
     * each into its own new array for {@code ready}, or all into {@code whole} at their offsets.
     */
    private final class Buckets {
        private final List<ShardRange> order;
        private final float[] whole;
        private final BiConsumer<ShardRange, float[]> ready;
        private int next;

        Buckets(List<ShardRange> order, float[] whole, BiConsumer<ShardRange, float[]> ready) {
            this.order = order;
            this.whole = whole;
            this.ready = ready;
        }

        /** Stage {@code done} and every later one have finished their backward. */
        void handOver(int done) {
            while (next < order.size() && firstStage(order.get(next)) >= done) {
                ShardRange r = order.get(next++);
                if (whole != null) {
                    slots.copyGradients(r.offset(), r.end(), whole, r.offset());
                } else {
                    float[] g = new float[r.length()];
                    slots.copyGradients(r.offset(), r.end(), g, 0);
                    ready.accept(r, g);
                }
            }
        }

        /** The earliest stage any tensor of {@code r} belongs to: its gradient is final once that stage is done. */
        private int firstStage(ShardRange r) {
            int first = Integer.MAX_VALUE;
            List<FlatSlots.Slot> all = slots.slots();
            for (int i = 0; i < all.size(); i++) {
                FlatSlots.Slot s = all.get(i);
                if (s.offset() < r.end() && s.end() > r.offset()) {
                    first = Math.min(first, slotStage[i]);
                }
            }
            return first;
        }
    }

    @Override
    public float[] evalLogits(float[] pixels, int size, int channels, int height, int width) {
        JniUtils.setNumThreads(threads);
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
