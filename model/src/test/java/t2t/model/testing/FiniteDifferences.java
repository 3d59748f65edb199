package t2t.model.testing;

import ai.djl.ndarray.NDArray;

import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Central finite differences against the autograd gradient already stored in a float64 array. */
public final class FiniteDifferences {

    private FiniteDifferences() {}

    /**
     * Checks {@code param}'s gradient at its first, middle and last element against
     * (loss(x + eps) - loss(x - eps)) / 2 eps, restoring the value after each probe.
     */
    public static void assertGradientMatches(String name, NDArray param, DoubleSupplier loss) {
        double eps = 1e-6;
        double[] grad = param.getGradient().toDoubleArray();
        for (int i : new int[] {0, (int) param.size() / 2, (int) param.size() - 1}) {
            double[] flat = param.toDoubleArray();
            double orig = flat[i];
            flat[i] = orig + eps;
            param.set(flat);
            double up = loss.getAsDouble();
            flat[i] = orig - eps;
            param.set(flat);
            double down = loss.getAsDouble();
            flat[i] = orig;
            param.set(flat);
            double numeric = (up - down) / (2 * eps);
            assertEquals(numeric, grad[i], 1e-6 + 1e-5 * Math.abs(numeric), name + "[" + i + "]");
        }
    }
}
