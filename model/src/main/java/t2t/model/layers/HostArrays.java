package t2t.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Arrays made from Java data during a forward pass. DJL's PyTorch engine wraps Java data without
 * copying ({@code from_blob} over a direct buffer that only the Java array object keeps alive).
 * Autograd may keep such a tensor for backward after its Java handle was closed with its block's
 * scope; the buffer is then freed by the garbage collector under the graph, and backward reads
 * freed memory (seen as NaN gradients at random steps). A tensor that libtorch allocated itself
 * has no such tie, so forward-time constants and masks are copied into one.
 */
public final class HostArrays {
    private HostArrays() {}

    /** A libtorch-owned float32 array holding {@code values}, in {@code manager}. */
    public static NDArray owned(NDManager manager, float[] values, Shape shape) {
        try (NDArray wrapped = manager.create(values, shape)) {
            return wrapped.duplicate();
        }
    }
}
