package t2t.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One tensor of a model's state dict: its official name (e.g. {@code blocks.0.attn.qkv.weight}),
 * the DJL parameter that holds it, its shape, how it is initialized, and whether it is trained
 * ({@code pos_embed} and the performer's {@code w} are not).
 */
public record ParamSpec(String name, Parameter parameter, Shape shape, Init init, boolean trainable) {
    /** Weight decay applies to matrices only, not to biases, norms, tokens or position tables. */
    public boolean decayed() {
        return trainable && shape.dimension() >= 2 && !name.endsWith("_token");
    }

    /**
     * Sets the parameter to {@code values} (row-major, this spec's shape) as {@code dataType}: a new
     * array in {@code manager} the first time, an in-place copy afterwards (optimizers and
     * gradient bookkeeping keep pointing at the same array).
     */
    public void assign(NDManager manager, float[] values, DataType dataType) {
        if (values.length != shape.size()) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + shape);
        }
        if (!parameter.isInitialized()) {
            NDArray a = manager.create(values, shape).toType(dataType, false);
            parameter.setArray(a);
            a.setRequiresGradient(parameter.requiresGradient());
            return;
        }
        NDArray target = parameter.getArray();
        try (NDArray tmp = target.getManager().create(values, shape).toType(target.getDataType(), false)) {
            overwrite(target, tmp.toByteBuffer());
        }
    }

    /**
     * Copies {@code bytes} into the tensor's own memory. Not DJL's {@code set(Buffer)}: on the
     * PyTorch engine it goes through libtorch's deprecated {@code AutoNonVariableTypeMode}, whose
     * warning libtorch prints (once per process) whatever TORCH_CPP_LOG_LEVEL says, and it re-points
     * the tensor at a Java buffer. Parameters are dense contiguous CPU tensors, whose memory
     * {@code getByteBuffer} hands out itself rather than a copy; anything else is refused.
     */
    private void overwrite(NDArray target, ByteBuffer bytes) {
        ByteBuffer memory = JniUtils.getByteBuffer((PtNDArray) target, true);
        if (!memory.isDirect() || memory.capacity() != bytes.remaining() || target.getDevice().isGpu()) {
            throw new IllegalStateException(name + ": expected a dense float CPU tensor of " + bytes.remaining()
                    + " bytes to overwrite in place, got " + memory.capacity() + " bytes on " + target.getDevice());
        }
        memory.order(ByteOrder.nativeOrder()).put(bytes.order(ByteOrder.nativeOrder()));
    }
}
