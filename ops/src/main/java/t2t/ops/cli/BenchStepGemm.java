package t2t.ops.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** The float32 matrix-product rate of this machine through DJL: the step benchmark's ceiling. */
final class BenchStepGemm {
    private static final int N = 1024;
    private static final int REPS = 12;

    private BenchStepGemm() {}

    /**
     * Best GFLOP/s of an N x N x N matMul over a dozen tries after two warm-ups: a ceiling, so the
     * best try (least disturbed by other processes on a shared machine), not the median.
     */
    static double measure(NDManager base) {
        try (NDManager m = base.newSubManager()) {
            NDArray a = m.randomNormal(new Shape(N, N));
            NDArray b = m.randomNormal(new Shape(N, N));
            double[] t = new double[REPS];
            for (int i = 0; i < REPS + 2; i++) {
                long t0 = System.nanoTime();
                try (NDArray c = a.matMul(b)) {
                    c.getFloat(0, 0); // reading a value waits for the product
                }
                double dt = (System.nanoTime() - t0) / 1e9;
                if (i >= 2) {
                    t[i - 2] = dt;
                }
            }
            return 2.0 * N * N * N / java.util.Arrays.stream(t).min().orElseThrow() / 1e9;
        }
    }
}
