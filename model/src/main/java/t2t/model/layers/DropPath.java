package t2t.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Stochastic depth, per sample (timm's drop_path): zero a whole residual branch, rescale the rest. */
public final class DropPath {
    private DropPath() {}

    public static NDArray apply(NDArray x, float rate, boolean training) {
        if (rate == 0f || !training) {
            return x;
        }
        float keep = 1f - rate;
        long[] dims = new long[x.getShape().dimension()];
        java.util.Arrays.fill(dims, 1);
        dims[0] = x.getShape().get(0);
        NDArray mask = Noise.keepMask(x, new Shape(dims), keep); // (B, 1, 1): 0 or 1/keep
        return x.mul(mask);
    }
}
