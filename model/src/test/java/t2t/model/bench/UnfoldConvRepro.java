package t2t.model.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import t2t.model.check.CpuInfo;
import t2t.model.layers.SoftSplit;
import t2t.model.layers.SplitSpec;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The minimal reproduction of the first round's AVX-512 fault, and the cost of its fix. The old
 * soft split was a grouped convolution (groups = input channels, a one-hot kernel per output
 * channel c*k*k + ki*k + kj); oneDNN runs it as {@code x64:gemm:jit} (the 7x7 stride-4 split of
 * 3 channels: g3 ic3 oc147) and {@code jit:avx512_core} with {@code aBCde16c16b} weights (the 3x3
 * stride-2 splits of 64 channels: g64 ic64 oc576). For the official split's shapes at 224 px this
 * prints that convolution's largest difference from the gather (the unfold by definition) and both
 * ops' forward + backward process CPU time. On a CPU where oneDNN's kernel is wrong the difference
 * is far from 0 (run with ONEDNN_VERBOSE=1 to see the primitives, ONEDNN_MAX_CPU_ISA to cap them).
 *
 * <p>{@code java -cp <model test classpath> t2t.model.bench.UnfoldConvRepro}
 */
public final class UnfoldConvRepro {

    private UnfoldConvRepro() {}

    public static void main(String[] args) {
        System.out.println("CPU: " + CpuInfo.read());
        // {batch, channels, side, kernel, stride, padding}
        int[][] cases = {{2, 3, 224, 7, 4, 2}, {2, 64, 56, 3, 2, 1}, {2, 64, 28, 3, 2, 1},
                {32, 3, 224, 7, 4, 2}, {32, 64, 56, 3, 2, 1}, {32, 64, 28, 3, 2, 1}};
        try (NDManager m = NDManager.newBaseManager()) {
            for (int[] c : cases) {
                SplitSpec spec = new SplitSpec(c[3], c[4], c[5]);
                NDArray x = m.randomNormal(new Shape(c[0], c[1], c[2], c[2]));
                double diff = maxDiff(oneHotConv(x, spec), new SoftSplit(spec).apply(x));
                System.out.printf(Locale.ROOT, "B%d C%d %dx%d k%d s%d p%d: conv - gather max |diff| %.3g;"
                                + " fwd+bwd CPU ms: conv %.0f, gather %.0f%n", c[0], c[1], c[2], c[2], c[3], c[4], c[5],
                        diff, cpuMs(x, s -> oneHotConv(s, spec)), cpuMs(x, s -> new SoftSplit(spec).apply(s)));
            }
        }
    }

    /** The old soft split: [B, C, H, W] -> [B, L, C*k*k] through a grouped one-hot convolution. */
    static NDArray oneHotConv(NDArray x, SplitSpec spec) {
        long b = x.getShape().get(0);
        int c = Math.toIntExact(x.getShape().get(1));
        int k = spec.kernel();
        int kk = k * k;
        float[] w = new float[c * kk * kk];
        for (int ch = 0; ch < c; ch++) {
            for (int j = 0; j < kk; j++) {
                w[(ch * kk + j) * kk + j] = 1f;
            }
        }
        NDArray kernel = x.getManager().create(w, new Shape((long) c * kk, 1, k, k));
        NDArray cols = Conv2d.conv2d(x, kernel, null, new Shape(spec.stride(), spec.stride()),
                new Shape(spec.padding(), spec.padding()), new Shape(1, 1), c).singletonOrThrow(); // (B, C*k*k, H', W')
        Shape o = cols.getShape();
        return cols.reshape(b, o.get(1), o.get(2) * o.get(3)).transpose(0, 2, 1); // (B, L, C*k*k)
    }

    private static double maxDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    private static double cpuMs(NDArray x0, java.util.function.UnaryOperator<NDArray> op) {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 5; rep++) {
            try (NDManager s = x0.getManager().newSubManager()) {
                NDArray x = x0.duplicate();
                x.attach(s);
                x.setRequiresGradient(true);
                long t0 = os.getProcessCpuTime();
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = op.apply(x);
                    gc.backward(y.mul(y).sum());
                }
                x.getGradient().toFloatArray();
                best = Math.min(best, (os.getProcessCpuTime() - t0) / 1e6);
            }
        }
        return best;
    }
}
