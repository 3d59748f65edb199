package t2t.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code nn.Unfold(k, s, p)} followed by {@code transpose(1, 2)}: [B, C, H, W] -> [B, L, C*k*k],
 * feature index {@code c*k*k + ki*k + kj}, tokens row-major. DJL has no unfold, so it is a grouped
 * convolution (one group per input channel) with a fixed one-hot kernel: output channel
 * {@code c*k*k + ki*k + kj} copies input channel c at offset (ki, kj). One native op forward and
 * one backward, differentiable in the input only (the kernel is a constant).
 */
public final class SoftSplit {
    private static final Map<Long, float[]> KERNELS = new ConcurrentHashMap<>();

    private final SplitSpec spec;

    public SoftSplit(SplitSpec spec) {
        this.spec = spec;
    }

    public SplitSpec spec() {
        return spec;
    }

    public NDArray apply(NDArray x) {
        Shape s = x.getShape();
        long b = s.get(0);
        int c = Math.toIntExact(s.get(1));
        int k = spec.kernel();
        NDArray kernel = x.getManager().create(oneHot(c, k), new Shape((long) c * k * k, 1, k, k))
                .toType(x.getDataType(), false);
        NDArray cols = Conv2d.conv2d(x, kernel, null,
                        new Shape(spec.stride(), spec.stride()),
                        new Shape(spec.padding(), spec.padding()),
                        new Shape(1, 1), c)
                .singletonOrThrow(); // (B, C*k*k, H', W')
        Shape o = cols.getShape();
        return cols.reshape(b, o.get(1), o.get(2) * o.get(3)).transpose(0, 2, 1); // (B, L, C*k*k)
    }

    private static float[] oneHot(int channels, int k) {
        return KERNELS.computeIfAbsent(((long) channels << 16) | k, key -> {
            int kk = k * k;
            float[] w = new float[channels * kk * kk];
            for (int ch = 0; ch < channels; ch++) {
                for (int j = 0; j < kk; j++) {
                    int out = ch * kk + j;
                    w[out * kk + j] = 1f; // kernel element j = ki*k + kj of output channel `out`
                }
            }
            return w;
        });
    }
}
