package t2t.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

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
        if (target.getDataType() == DataType.FLOAT32) {
            target.set(values);
        } else {
            try (NDArray tmp = target.getManager().create(values, shape).toType(target.getDataType(), false)) {
                target.set(tmp.toByteBuffer());
            }
        }
    }
}
