package t2t.actors.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import t2t.model.VisionModel;
import t2t.model.layers.ParamSpec;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The flat vector the aggregators shard: a model's mutable tensors in state-dict order.
 * Trainable parameters are optimized; buffers (BatchNorm running statistics: not trained, but
 * changed by every training forward) travel in the same vector and are averaged over the workers
 * instead, as DDP keeps replicas' buffers in step. Frozen tensors (the sinusoid position table,
 * the performer's random features) never change and stay out.
 */
public final class FlatSlots {
    public enum Kind { DECAY, NO_DECAY, BUFFER }

    public record Slot(String name, Parameter parameter, Kind kind, int offset, int length) {
        public int end() {
            return offset + length;
        }
    }

    private final List<Slot> slots;
    private final int size;
    private final float[] mirror;
    private final BitSet dirty;

    private FlatSlots(List<Slot> slots, int size) {
        this.slots = slots;
        this.size = size;
        this.mirror = new float[size];
        this.dirty = new BitSet(slots.size());
    }

    public static FlatSlots of(VisionModel model) {
        List<Slot> out = new ArrayList<>();
        int off = 0;
        for (ParamSpec s : model.parameterSpecs()) {
            Kind kind;
            if (s.trainable()) {
                kind = s.decayed() ? Kind.DECAY : Kind.NO_DECAY;
            } else if (isBuffer(s.parameter())) {
                kind = Kind.BUFFER;
            } else {
                continue;
            }
            int n = Math.toIntExact(s.shape().size());
            out.add(new Slot(s.name(), s.parameter(), kind, off, n));
            off += n;
        }
        return new FlatSlots(List.copyOf(out), off);
    }

    private static boolean isBuffer(Parameter p) {
        return p.getType() == Parameter.Type.RUNNING_MEAN || p.getType() == Parameter.Type.RUNNING_VAR;
    }

    public List<Slot> slots() {
        return slots;
    }

    public int size() {
        return size;
    }

    /** The current values of every slot. */
    public void read(float[] dst) {
        flush();
        for (Slot s : slots) {
            float[] v = s.parameter().getArray().toFloatArray();
            System.arraycopy(v, 0, dst, s.offset(), s.length());
        }
    }

    /** Stages {@code data} at {@code offset}; the arrays are updated at the next {@link #flush()}. */
    public void write(int offset, float[] data) {
        System.arraycopy(data, 0, mirror, offset, data.length);
        int end = offset + data.length;
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            if (s.offset() < end && s.end() > offset) {
                dirty.set(i);
            }
        }
    }

    /**
     * Copies staged values into the parameter arrays, in place and outside autograd. Not through
     * DJL's {@code NDArray.set(Buffer)}: on the PyTorch engine that re-points the tensor at a Java
     * direct buffer, and tensors still viewing the old one would read freed memory once the
     * collector reclaims it. Here the values are copied into the tensor's own storage.
     */
    public void flush() {
        if (dirty.isEmpty()) {
            return;
        }
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (int i = dirty.nextSetBit(0); i >= 0; i = dirty.nextSetBit(i + 1)) {
                Slot s = slots.get(i);
                NDArray target = s.parameter().getArray();
                float[] values = java.util.Arrays.copyOfRange(mirror, s.offset(), s.end());
                try (NDArray src = target.getManager().create(values, target.getShape())) {
                    target.muli(0).addi(src);
                }
            }
        } finally {
            JniUtils.setGradMode(grad);
        }
        dirty.clear();
    }

    /**
     * After a backward: gradients of trainable slots (zeroed afterwards: the engine accumulates
     * them across collectors) and the current values of buffer slots, into {@code dst}.
     */
    public void takeGradients(float[] dst) {
        takeGradients(dst, 0, size);
        zeroGradients();
    }

    /**
     * {@link #takeGradients} for {@code [from, to)} only, leaving the engine's gradients in place;
     * call {@link #zeroGradients()} once every range is taken. A slot across two ranges is read twice.
     */
    public void takeGradients(float[] dst, int from, int to) {
        for (Slot s : slots) {
            int a = Math.max(from, s.offset());
            int b = Math.min(to, s.end());
            if (a >= b) {
                continue;
            }
            NDArray arr = s.parameter().getArray();
            float[] v;
            if (s.kind() == Kind.BUFFER) {
                v = arr.toFloatArray();
            } else {
                try (NDArray g = arr.getGradient()) {
                    v = g.toFloatArray();
                }
            }
            System.arraycopy(v, a - s.offset(), dst, a, b - a);
        }
    }

    /** Zeroes the trainable slots' gradients (the engine accumulates them across backward calls). */
    public void zeroGradients() {
        for (Slot s : slots) {
            if (s.kind() == Kind.BUFFER) {
                continue;
            }
            try (NDArray g = s.parameter().getArray().getGradient()) {
                g.subi(g);
            }
        }
    }

    /** Kinds of {@code [offset, offset + length)} as runs: (start, end, kind) relative to offset. */
    public List<int[]> runs(int offset, int length) {
        List<int[]> runs = new ArrayList<>();
        int end = offset + length;
        for (Slot s : slots) {
            int a = Math.max(offset, s.offset());
            int b = Math.min(end, s.end());
            if (a >= b) {
                continue;
            }
            int k = s.kind().ordinal();
            int[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && last[2] == k && last[1] == a - offset) {
                last[1] = b - offset;
            } else {
                runs.add(new int[] {a - offset, b - offset, k});
            }
        }
        return runs;
    }
}
