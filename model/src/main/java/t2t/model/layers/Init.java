package t2t.model.layers;

import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/**
 * How one parameter gets its first values. Values come from a seeded host-side generator so that
 * the same seed gives the same weights on every machine and engine.
 */
@FunctionalInterface
public interface Init {
    float[] values(Shape shape, SplittableRandom rng);

    Init ZEROS = (shape, rng) -> new float[Math.toIntExact(shape.size())];

    Init ONES = (shape, rng) -> {
        float[] v = new float[Math.toIntExact(shape.size())];
        java.util.Arrays.fill(v, 1f);
        return v;
    };

    /** timm's trunc_normal_(std): normal, redrawn outside the absolute bounds [-2, 2]. */
    static Init truncNormal(double std) {
        return (shape, rng) -> {
            float[] v = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < v.length; i++) {
                double x;
                do {
                    x = gaussian(rng) * std;
                } while (x < -2 || x > 2);
                v[i] = (float) x;
            }
            return v;
        };
    }

    /**
     * torch's orthogonal_ for a wide [rows, cols] matrix (orthonormal rows) times {@code scale}:
     * the performer's random features, {@code orthogonal_(randn(m, emb)) * sqrt(m)}.
     */
    static Init orthogonalRows(double scale) {
        return (shape, rng) -> {
            int rows = Math.toIntExact(shape.get(0));
            int cols = Math.toIntExact(shape.get(1));
            if (rows > cols) {
                throw new IllegalArgumentException("orthogonal rows need rows <= cols: " + shape);
            }
            double[][] m = new double[rows][cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    m[r][c] = gaussian(rng);
                }
                // Modified Gram-Schmidt: same distribution as QR of a Gaussian matrix.
                for (int p = 0; p < r; p++) {
                    double dot = 0;
                    for (int c = 0; c < cols; c++) {
                        dot += m[r][c] * m[p][c];
                    }
                    for (int c = 0; c < cols; c++) {
                        m[r][c] -= dot * m[p][c];
                    }
                }
                double norm = 0;
                for (int c = 0; c < cols; c++) {
                    norm += m[r][c] * m[r][c];
                }
                norm = Math.sqrt(norm);
                for (int c = 0; c < cols; c++) {
                    m[r][c] /= norm;
                }
            }
            float[] v = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    v[r * cols + c] = (float) (m[r][c] * scale);
                }
            }
            return v;
        };
    }

    /** The fixed sinusoid table of shape [1, n, d]: sin on even channels, cos on odd ones. */
    Init SINUSOID = (shape, rng) -> {
        int n = Math.toIntExact(shape.get(1));
        int d = Math.toIntExact(shape.get(2));
        float[] v = new float[n * d];
        for (int pos = 0; pos < n; pos++) {
            for (int j = 0; j < d; j++) {
                double angle = pos / Math.pow(10000, 2.0 * (j / 2) / d);
                v[pos * d + j] = (float) (j % 2 == 0 ? Math.sin(angle) : Math.cos(angle));
            }
        }
        return v;
    };

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller on the seeded generator (java.util.Random#nextGaussian is not splittable).
        double u1 = 1.0 - rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
