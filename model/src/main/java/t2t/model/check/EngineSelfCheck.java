package t2t.model.check;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.GradientCollector;
import t2t.model.layers.SoftSplit;
import t2t.model.layers.SplitSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

/**
 * Runs each op the models use through the engine on small seeded inputs and compares the result
 * with a plain-Java float64 reference: the soft split (forward, exact, and its scatter-add
 * backward), Linear, attention (scaled scores, softmax, weighted sum), exact GELU, LayerNorm, and
 * the CNN teachers' convolutions. A kernel that is wrong on this CPU (the soft split's old oneDNN
 * convolution was, on AMD EPYC with AVX-512) fails its check by orders of magnitude; float32
 * rounding stays far below the tolerances. The whole check takes tens of milliseconds.
 *
 * <p>Shapes follow the model's (odd sizes, the official split's kernels and strides, channel
 * counts of the teachers' stages) so the same kernel families are picked as in training.
 */
public final class EngineSelfCheck {

    /** One op: its name, the tolerance on the error, and how to measure that error on a manager. */
    public record Check(String op, double tolerance, ErrorMeasure measure) {}

    /** The largest |engine - reference| divided by max(1, largest |reference|). */
    @FunctionalInterface
    public interface ErrorMeasure {
        double error(NDManager manager);
    }

    /** A check that failed: the op, its error and tolerance. */
    public record Failure(String op, double error, double tolerance) {}

    /** All failures (empty when the engine computes every op right) and the time taken. */
    public record Result(List<Failure> failures, long nanos) {
        public boolean ok() {
            return failures.isEmpty();
        }

        /** One line naming the failed ops, the CPU and the workaround; empty when ok. */
        public String describe(CpuInfo cpu) {
            if (ok()) {
                return "";
            }
            StringBuilder b = new StringBuilder("engine self-check failed: ");
            for (int i = 0; i < failures.size(); i++) {
                Failure f = failures.get(i);
                b.append(i == 0 ? "" : "; ").append(f.op()).append(String.format(
                        " is off by %.3g (tolerance %.1g)", f.error(), f.tolerance()));
            }
            return b.append(" on ").append(cpu).append(". A math kernel of libtorch/oneDNN computes wrong on this"
                    + " CPU, so training would learn garbage. Workaround: run with a lower oneDNN ISA cap, e.g."
                    + " ONEDNN_MAX_CPU_ISA=AVX2, and report the CPU and this line").toString();
        }
    }

    private static volatile Result standardResult;

    private EngineSelfCheck() {}

    /** The standard checks, run once per process (later calls return the first result). */
    public static Result runStandard() {
        Result r = standardResult;
        if (r == null) {
            synchronized (EngineSelfCheck.class) {
                r = standardResult;
                if (r == null) {
                    r = run(standard());
                    standardResult = r;
                }
            }
        }
        return r;
    }

    public static Result run(List<Check> checks) {
        long t0 = System.nanoTime();
        List<Failure> failures = new ArrayList<>();
        for (Check c : checks) {
            double error;
            try (NDManager m = NDManager.newBaseManager()) {
                error = c.measure().error(m);
            } catch (RuntimeException e) {
                error = Double.POSITIVE_INFINITY; // an op that throws on this CPU fails too
            }
            if (!(error <= c.tolerance())) { // NaN fails
                failures.add(new Failure(c.op(), error, c.tolerance()));
            }
        }
        return new Result(List.copyOf(failures), System.nanoTime() - t0);
    }

    /** The checks of the ops the models use, through the code paths the models take. */
    public static List<Check> standard() {
        List<Check> checks = new ArrayList<>();
        checks.add(softSplit((x, spec) -> new SoftSplit(spec).apply(x)));
        checks.add(softSplitBackward((x, spec) -> new SoftSplit(spec).apply(x)));
        checks.add(linear());
        checks.add(attention());
        checks.add(gelu(Activation::gelu));
        checks.add(layerNorm());
        checks.add(conv2d());
        return checks;
    }

    // ---------------------------------------------------------------- the checks

    /** nn.Unfold semantics, exact: the official first and later splits on odd-sized inputs. */
    public static Check softSplit(BiFunction<NDArray, SplitSpec, NDArray> impl) {
        return new Check("soft split", 0.0, m -> {
            double worst = 0;
            for (int[] c : SPLIT_CASES) {
                SplitSpec spec = new SplitSpec(c[4], c[5], c[6]);
                float[] x = random(c[0] * c[1] * c[2] * c[3], 1);
                float[] got = impl.apply(m.create(x, new Shape(c[0], c[1], c[2], c[3])), spec).toFloatArray();
                worst = Math.max(worst, error(got, unfold(x, c[0], c[1], c[2], c[3], spec)));
            }
            return worst;
        });
    }

    /** The soft split's backward: the output gradient scatter-added into the input positions. */
    public static Check softSplitBackward(BiFunction<NDArray, SplitSpec, NDArray> impl) {
        return new Check("soft split backward", 1e-6, m -> {
            double worst = 0;
            for (int[] c : SPLIT_CASES) {
                SplitSpec spec = new SplitSpec(c[4], c[5], c[6]);
                float[] x = random(c[0] * c[1] * c[2] * c[3], 2);
                double[] g = toDouble(random(unfold(x, c[0], c[1], c[2], c[3], spec).length, 3));
                NDArray in = m.create(x, new Shape(c[0], c[1], c[2], c[3]));
                in.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = impl.apply(in, spec);
                    gc.backward(y.mul(m.create(toFloat(g), y.getShape())).sum());
                }
                worst = Math.max(worst, error(in.getGradient().toFloatArray(),
                        unfoldBackward(g, c[0], c[1], c[2], c[3], spec)));
            }
            return worst;
        });
    }

    /** nn.Linear through MKL/oneDNN GEMM: [2, 37, 147] x [64, 147]^T + b, the first token layer's shape. */
    public static Check linear() {
        return new Check("linear", 1e-4, m -> {
            int rows = 2 * 37;
            int in = 147;
            int out = 64;
            float[] x = random(rows * in, 4);
            float[] w = random(out * in, 5);
            float[] b = random(out, 6);
            float[] got = Linear.linear(m.create(x, new Shape(2, 37, in)), m.create(w, new Shape(out, in)),
                    m.create(b, new Shape(out))).singletonOrThrow().toFloatArray();
            double[] ref = new double[rows * out];
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) {
                    double s = b[o];
                    for (int i = 0; i < in; i++) {
                        s += (double) x[r * in + i] * w[o * in + i];
                    }
                    ref[r * out + o] = s;
                }
            }
            return error(got, ref);
        });
    }

    /** softmax(q k^T * scale) v as the backbone's Attention computes it: B 2, H 3, N 37, d 16. */
    public static Check attention() {
        return new Check("attention", 1e-4, m -> {
            int bh = 2 * 3;
            int n = 37;
            int d = 16;
            double scale = 1.0 / Math.sqrt(d);
            float[] q = random(bh * n * d, 7);
            float[] k = random(bh * n * d, 8);
            float[] v = random(bh * n * d, 9);
            Shape s = new Shape(2, 3, n, d);
            NDArray qa = m.create(q, s);
            NDArray attn = qa.mul(m.create((float) scale)).matMul(m.create(k, s).transpose(0, 1, 3, 2)).softmax(-1);
            float[] got = attn.matMul(m.create(v, s)).toFloatArray();
            double[] ref = new double[bh * n * d];
            double[] row = new double[n];
            for (int h = 0; h < bh; h++) {
                int o = h * n * d;
                for (int i = 0; i < n; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        double dot = 0;
                        for (int e = 0; e < d; e++) {
                            dot += (double) q[o + i * d + e] * k[o + j * d + e];
                        }
                        row[j] = dot * scale;
                        max = Math.max(max, row[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < n; j++) {
                        row[j] = Math.exp(row[j] - max);
                        sum += row[j];
                    }
                    for (int e = 0; e < d; e++) {
                        double acc = 0;
                        for (int j = 0; j < n; j++) {
                            acc += row[j] / sum * v[o + j * d + e];
                        }
                        ref[o + i * d + e] = acc;
                    }
                }
            }
            return error(got, ref);
        });
    }

    /** Exact (erf) GELU over [-8, 8] on an odd-sized [3, 197, 65] array. */
    public static Check gelu(UnaryOperator<NDArray> impl) {
        return new Check("gelu", 1e-5, m -> {
            int n = 3 * 197 * 65;
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = -8f + 16f * i / (n - 1);
            }
            float[] got = impl.apply(m.create(x, new Shape(3, 197, 65))).toFloatArray();
            double[] ref = new double[n];
            for (int i = 0; i < n; i++) {
                ref[i] = 0.5 * x[i] * (1 + erf(x[i] / Math.sqrt(2)));
            }
            return error(got, ref);
        });
    }

    /** LayerNorm over the last dim (eps 1e-5, biased variance) with weight and bias: [2, 37, 147]. */
    public static Check layerNorm() {
        return new Check("layer norm", 1e-4, m -> {
            int rows = 2 * 37;
            int dim = 147;
            float[] x = random(rows * dim, 10);
            float[] w = random(dim, 11);
            float[] b = random(dim, 12);
            float[] got = LayerNorm.layerNorm(m.create(x, new Shape(2, 37, dim)), new Shape(dim),
                    m.create(w, new Shape(dim)), m.create(b, new Shape(dim)), 1e-5f).singletonOrThrow().toFloatArray();
            double[] ref = new double[rows * dim];
            for (int r = 0; r < rows; r++) {
                double mean = 0;
                for (int i = 0; i < dim; i++) {
                    mean += x[r * dim + i];
                }
                mean /= dim;
                double var = 0;
                for (int i = 0; i < dim; i++) {
                    double dv = x[r * dim + i] - mean;
                    var += dv * dv;
                }
                var /= dim;
                for (int i = 0; i < dim; i++) {
                    ref[r * dim + i] = (x[r * dim + i] - mean) / Math.sqrt(var + 1e-5) * w[i] + b[i];
                }
            }
            return error(got, ref);
        });
    }

    /** The CNN teachers' convolutions: a 3x3 stem, a strided 3x3 stage entry, a 1x1 shortcut. */
    public static Check conv2d() {
        return new Check("conv2d", 1e-4, m -> {
            double worst = 0;
            // {batch, in, size, out, kernel, stride, padding}
            int[][] cases = {{2, 1, 17, 32, 3, 1, 1}, {2, 32, 11, 48, 3, 2, 1}, {2, 32, 11, 48, 1, 2, 0}};
            for (int[] c : cases) {
                int bsz = c[0];
                int ci = c[1];
                int size = c[2];
                int co = c[3];
                int k = c[4];
                int st = c[5];
                int p = c[6];
                float[] x = random(bsz * ci * size * size, 13);
                float[] w = random(co * ci * k * k, 14);
                float[] b = random(co, 15);
                float[] got = Conv2d.conv2d(m.create(x, new Shape(bsz, ci, size, size)),
                        m.create(w, new Shape(co, ci, k, k)), m.create(b, new Shape(co)),
                        new Shape(st, st), new Shape(p, p), new Shape(1, 1), 1).singletonOrThrow().toFloatArray();
                int os = (size + 2 * p - k) / st + 1;
                double[] ref = new double[bsz * co * os * os];
                for (int n = 0; n < bsz; n++) {
                    for (int o = 0; o < co; o++) {
                        for (int r = 0; r < os; r++) {
                            for (int q = 0; q < os; q++) {
                                double s = b[o];
                                for (int i = 0; i < ci; i++) {
                                    for (int ki = 0; ki < k; ki++) {
                                        int y = r * st + ki - p;
                                        if (y < 0 || y >= size) {
                                            continue;
                                        }
                                        for (int kj = 0; kj < k; kj++) {
                                            int xx = q * st + kj - p;
                                            if (xx >= 0 && xx < size) {
                                                s += (double) x[((n * ci + i) * size + y) * size + xx]
                                                        * w[((o * ci + i) * k + ki) * k + kj];
                                            }
                                        }
                                    }
                                }
                                ref[((n * co + o) * os + r) * os + q] = s;
                            }
                        }
                    }
                }
                worst = Math.max(worst, error(got, ref));
            }
            return worst;
        });
    }

    // ---------------------------------------------------------------- references

    /** {batch, channels, height, width, kernel, stride, padding}: the official 7/4/2 and 3/2/1 splits. */
    private static final int[][] SPLIT_CASES = {{2, 3, 23, 21, 7, 4, 2}, {2, 16, 12, 11, 3, 2, 1}, {1, 5, 8, 8, 2, 2, 0}};

    /** For each output element of the unfold, in order: the flat input index it copies, or -1 for padding. */
    private static int[] unfoldSources(int b, int c, int h, int w, SplitSpec sp) {
        int k = sp.kernel();
        int oh = sp.outSize(h);
        int ow = sp.outSize(w);
        int[] src = new int[b * oh * ow * c * k * k];
        int n = 0;
        for (int bi = 0; bi < b; bi++) {
            for (int r = 0; r < oh; r++) {
                for (int q = 0; q < ow; q++) {
                    for (int ch = 0; ch < c; ch++) {
                        for (int ki = 0; ki < k; ki++) {
                            for (int kj = 0; kj < k; kj++) {
                                int y = r * sp.stride() + ki - sp.padding();
                                int xx = q * sp.stride() + kj - sp.padding();
                                src[n++] = y < 0 || y >= h || xx < 0 || xx >= w ? -1 : ((bi * c + ch) * h + y) * w + xx;
                            }
                        }
                    }
                }
            }
        }
        return src;
    }

    /** nn.Unfold(k, s, p).transpose(1, 2): [B, L, C*k*k], feature c*k*k + ki*k + kj. */
    static double[] unfold(float[] x, int b, int c, int h, int w, SplitSpec sp) {
        int[] src = unfoldSources(b, c, h, w, sp);
        double[] out = new double[src.length];
        for (int n = 0; n < src.length; n++) {
            out[n] = src[n] < 0 ? 0 : x[src[n]];
        }
        return out;
    }

    /** The gradient of sum(unfold(x) * g) with respect to x. */
    static double[] unfoldBackward(double[] g, int b, int c, int h, int w, SplitSpec sp) {
        int[] src = unfoldSources(b, c, h, w, sp);
        double[] dx = new double[b * c * h * w];
        for (int n = 0; n < src.length; n++) {
            if (src[n] >= 0) {
                dx[src[n]] += g[n];
            }
        }
        return dx;
    }

    /** erf in float64: its Maclaurin series below 2.5, the continued fraction of erfc above. */
    static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a < 2.5) {
            double term = a;
            double sum = a;
            for (int n = 1; n < 60; n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = a;
            for (int n = 80; n >= 1; n--) {
                f = a + (n / 2.0) / f;
            }
            r = 1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * f);
        }
        return x < 0 ? -r : r;
    }

    private static float[] random(int n, long seed) {
        Random rng = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rng.nextGaussian());
        }
        return v;
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /** max |got - ref| / max(1, max |ref|); infinite for a length mismatch, NaN stays NaN. */
    static double error(float[] got, double[] ref) {
        if (got.length != ref.length) {
            return Double.POSITIVE_INFINITY;
        }
        double scale = 1;
        double worst = 0;
        for (int i = 0; i < ref.length; i++) {
            scale = Math.max(scale, Math.abs(ref[i]));
            double d = Math.abs(got[i] - ref[i]);
            if (Double.isNaN(d)) {
                return Double.NaN;
            }
            worst = Math.max(worst, d);
        }
        return worst / scale;
    }
}
