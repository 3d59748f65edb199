package t2t.model.io;

/**
 * A host-side tensor read from or written to a file: float32 values in row-major order.
 *
 * @param dtype the dtype it was stored as (F32, F16, BF16)
 */
public record Tensor(String dtype, long[] shape, float[] values) {

    public long size() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public String shapeString() {
        return java.util.Arrays.toString(shape);
    }
}
