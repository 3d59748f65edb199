package t2t.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps Java-backed arrays alive while autograd may need them. DJL's PyTorch engine wraps Java
 * data without copying: {@code manager.create(float[])}, and every op with a Java number such as
 * {@code x.mul(2f)} (the number becomes a one-element tensor), make tensors whose memory is a
 * direct buffer that only the Java array object keeps alive. Autograd keeps such a tensor for
 * backward (the other operand of a product, a dropout mask, the unfold kernel); if its block's
 * scope closes the Java handle, the collector frees the buffer under the graph and backward reads
 * freed memory: NaN or wrong gradients at random steps. So when a scope closes, its Java-backed
 * arrays move to the enclosing manager (they are tiny: scalars, masks, kernels) and die with the
 * step; everything libtorch allocated itself is freed per block as before.
 */
public final class HostArrays {
    private static final Field DATA_REF = dataRefField();

    private HostArrays() {}

    private static Field dataRefField() {
        try {
            Field f = PtNDArray.class.getDeclaredField("dataRef");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this DJL version's PtNDArray has no dataRef field: check HostArrays", e);
        }
    }

    /**
     * A one-element array of {@code value} in {@code like}'s manager and type, for products with a
     * constant. Use it instead of DJL's {@code mul(Number)}/{@code div(Number)}/{@code pow(Number)}
     * in anything backward goes through: those create the constant and close it at once, while
     * autograd still holds it.
     */
    public static NDArray scalar(NDArray like, double value) {
        NDArray s = like.getManager().create((float) value);
        return like.getDataType() == s.getDataType() ? s : s.toType(like.getDataType(), false);
    }

    /** True for an array whose memory is a Java direct buffer. */
    public static boolean javaBacked(NDArray a) {
        if (!(a instanceof PtNDArray p)) {
            return false;
        }
        try {
            return DATA_REF.get(p) != null;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Moves the Java-backed arrays of {@code scope} to {@code outer}; call it right before the scope closes. */
    public static void keepJavaBacked(NDManager scope, NDManager outer) {
        List<NDArray> keep = new ArrayList<>();
        for (NDArray a : scope.getManagedArrays()) {
            if (javaBacked(a)) {
                keep.add(a);
            }
        }
        for (NDArray a : keep) {
            a.attach(outer);
        }
    }
}
