package t2t.model.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Adaptive average pooling ({@code torch.nn.functional.adaptive_avg_pool2d} bins: output cell i
 * averages input rows {@code [floor(i*H/o), ceil((i+1)*H/o))}) written as two small matrix
 * products, {@code P_h x X x P_w^T}, so any feature map maps onto any token grid. The bins are
 * mirror-symmetric, so a horizontal flip of the map flips the pooled grid.
 */
public final class GridPool {

    private GridPool() {}

    /** {@code [o, n]} averaging matrix of the adaptive bins. */
    static float[] binMatrix(int n, int o) {
        float[] m = new float[o * n];
        for (int i = 0; i < o; i++) {
            int start = (int) Math.floor((double) i * n / o);
            int end = (int) Math.ceil((double) (i + 1) * n / o);
            float w = 1f / (end - start);
            for (int j = start; j < end; j++) {
                m[i * n + j] = w;
            }
        }
        return m;
    }

    /** {@code [B, C, H, W]} to {@code [B, C, gh, gw]}. */
    public static NDArray pool(NDArray x, int gh, int gw) {
        Shape s = x.getShape();
        int h = (int) s.get(2);
        int w = (int) s.get(3);
        if (h == gh && w == gw) {
            return x;
        }
        NDManager m = x.getManager();
        NDArray ph = m.create(binMatrix(h, gh), new Shape(gh, h)).toType(x.getDataType(), false);
        NDArray pwT = m.create(binMatrix(w, gw), new Shape(gw, w)).toType(x.getDataType(), false).transpose();
        return ph.matMul(x.matMul(pwT)); // (B, C, H, gw) then (B, C, gh, gw)
    }
}
