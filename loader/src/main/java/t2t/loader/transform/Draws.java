package t2t.loader.transform;

import java.util.SplittableRandom;

/**
 * The random draws timm makes through Python's {@code random} and numpy, on a given
 * {@link SplittableRandom} (never a global one). Distributions match; the bit streams do not.
 */
public final class Draws {
    private Draws() {}

    /** {@code random.uniform(a, b)}. */
    public static double uniform(SplittableRandom rng, double a, double b) {
        return a + (b - a) * rng.nextDouble();
    }

    /** {@code random.randint(a, b)}: both ends inclusive. */
    public static int randint(SplittableRandom rng, int a, int b) {
        return a + rng.nextInt(b - a + 1);
    }

    /** A standard normal (Marsaglia's polar method; stateless, so the stream stays per-sample). */
    public static double normal(SplittableRandom rng) {
        while (true) {
            double u = 2.0 * rng.nextDouble() - 1.0;
            double v = 2.0 * rng.nextDouble() - 1.0;
            double s = u * u + v * v;
            if (s > 0.0 && s < 1.0) {
                return u * Math.sqrt(-2.0 * Math.log(s) / s);
            }
        }
    }

    /** Gamma(shape, 1), Marsaglia and Tsang; shape < 1 through the {@code U^(1/shape)} boost. */
    public static double gamma(SplittableRandom rng, double shape) {
        if (shape < 1.0) {
            double u = rng.nextDouble();
            return gamma(rng, shape + 1.0) * Math.pow(u, 1.0 / shape);
        }
        double d = shape - 1.0 / 3.0;
        double c = 1.0 / Math.sqrt(9.0 * d);
        while (true) {
            double x;
            double v;
            do {
                x = normal(rng);
                v = 1.0 + c * x;
            } while (v <= 0.0);
            v = v * v * v;
            double u = rng.nextDouble();
            if (u < 1.0 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1.0 - v + Math.log(v))) {
                return d * v;
            }
        }
    }

    /** {@code np.random.beta(a, b)}. */
    public static double beta(SplittableRandom rng, double a, double b) {
        double x = gamma(rng, a);
        double y = gamma(rng, b);
        return x / (x + y);
    }
}
