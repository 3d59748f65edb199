package t2t.actors.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import t2t.model.VisionModel;
import t2t.model.layers.ParamSpec;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
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

    private FlatSlots(List<Slot> slots, int size) {
        this.slots = slots;
        this.size = size;
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

    /**
     * The slot's tensor memory itself, as floats. Parameters are dense CPU float32 tensors made
     * from host arrays, so libtorch hands out their storage (not a copy); reading and writing
     * through it costs one memcpy and no JNI round trip per element or per temporary array.
     */
    private FloatBuffer view(int i) {
        // Looked up on every call, never cached: a view kept across calls outlived the memory it
        // mapped (the tensor's storage moved under the same NDArray) and later writes through it
        // corrupted the native heap (SIGSEGV in KillAndResumeTest). One JNI call per tensor.
        return storage(slots.get(i).parameter().getArray(), slots.get(i));
    }

    /**
     * Refuses what {@code JniUtils.getByteBuffer} would not hand out as the tensor's own memory: for
     * a tensor off the CPU, not strided, or not contiguous it returns a contiguous copy, attached to
     * the tensor's manager and never closed, and writes into that copy would be lost. Package-private
     * for its test.
     */
    static FloatBuffer storage(NDArray arr, Slot s) {
        PtNDArray t = (PtNDArray) arr;
        String refused = !t.getDevice().equals(Device.cpu()) ? "a tensor on " + t.getDevice()
                : JniUtils.getLayout(t) != STRIDED ? "a sparse or opaque-layout tensor"
                : !Contiguity.of(t) ? "a non-contiguous tensor (a view such as a transpose)" : null;
        if (refused != null) {
            throw new IllegalStateException(s.name() + ": expected a dense contiguous float32 CPU tensor, got "
                    + refused + ", whose memory cannot be read or written in place");
        }
        ByteBuffer b = JniUtils.getByteBuffer(t, true);
        if (!b.isDirect() || b.capacity() != 4L * s.length()) {
            throw new IllegalStateException(s.name() + ": expected a dense float32 CPU tensor of " + s.length()
                    + " values, got " + b.capacity() + " bytes");
        }
        return b.order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** libtorch's {@code c10::Layout::Strided}, as {@code JniUtils.getLayout} numbers it (1 sparse, 2 MKL-DNN). */
    private static final int STRIDED = 0;

    /**
     * libtorch's {@code is_contiguous}. DJL 0.35.1 asks it inside {@code getByteBuffer} but exposes it on no public
     * class, only on its package-private {@code PyTorchLibrary}; a holder class, so the lookup runs once, on first use,
     * when the engine (and its natives) are loaded, and a DJL that renames it fails loudly here.
     */
    private static final class Contiguity {
        private static final MethodHandle IS_CONTIGUOUS = lookUp();

        private static MethodHandle lookUp() {
            try {
                Class<?> lib = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
                Field instance = lib.getDeclaredField("LIB");
                instance.setAccessible(true);
                Method isContiguous = lib.getDeclaredMethod("torchIsContiguous", long.class);
                isContiguous.setAccessible(true);
                return MethodHandles.lookup().unreflect(isContiguous).bindTo(instance.get(null));
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        static boolean of(PtNDArray t) {
            try {
                return (boolean) IS_CONTIGUOUS.invokeExact((long) t.getHandle());
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The current values of every slot. */
    public void read(float[] dst) {
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            view(i).get(0, dst, s.offset(), s.length());
        }
    }

    /**
     * Overwrites {@code [offset, offset + data.length)} in the tensors' own storage, at once. Not
     * through DJL's {@code NDArray.set(Buffer)}: on the PyTorch engine that re-points the tensor at
     * a Java direct buffer, and tensors still viewing the old one would read freed memory once the
     * collector reclaims it. Raw stores bypass autograd, which is what an optimizer step wants; the
     * caller must not write while a forward or backward of this replica runs.
     */
    public void write(int offset, float[] data) {
        int end = offset + data.length;
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            int a = Math.max(offset, s.offset());
            int b = Math.min(end, s.end());
            if (a < b) {
                view(i).put(a - s.offset(), data, a - offset, b - a);
            }
        }
    }

    /**
     * The gradient of {@code [from, to)} (buffer slots: their current values), copied straight from
     * the engine's gradient tensors into {@code dst} at {@code dstOffset}; the engine's gradients stay
     * in place until {@link #zeroGradients()}.
     */
    public void copyGradients(int from, int to, float[] dst, int dstOffset) {
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            int a = Math.max(from, s.offset());
            int b = Math.min(to, s.end());
            if (a >= b) {
                continue;
            }
            int at = dstOffset + a - from;
            if (s.kind() == Kind.BUFFER) {
                view(i).get(a - s.offset(), dst, at, b - a);
                continue;
            }
            try (NDArray g = s.parameter().getArray().getGradient()) {
                // A fresh handle each step: the gradient tensor is the engine's to (re)allocate.
                storage(g, s).get(a - s.offset(), dst, at, b - a);
            }
        }
    }

    /** Zeroes the trainable slots' gradients in place (the engine accumulates them across backward calls). */
    public void zeroGradients() {
        for (Slot s : slots) {
            if (s.kind() != Kind.BUFFER) {
                JniUtils.zeroGrad((PtNDArray) s.parameter().getArray());
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
