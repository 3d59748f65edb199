package t2t.loader.transform;

import java.util.SplittableRandom;

/**
 * timm's {@code RandomErasing} on one normalized CHW image: with probability {@code prob},
 * {@code count} (uniform in [minCount, maxCount]) rectangles, each found in up to 10 attempts
 * (area {@code U(0.02, 1/3) * H * W / count}, log-aspect {@code U(ln 0.3, ln 1/0.3)}, half-even
 * rounding, strict {@code w < W and h < H} fit), filled in normalized space.
 */
public record RandomErasing(double prob, EraseMode mode, int minCount, int maxCount,
                            double minArea, double maxArea, double minAspect, double maxAspect) {

    /** timm's defaults for {@code RandomErasing(prob, mode, max_count=count)}. */
    public static RandomErasing of(double prob, EraseMode mode, int count) {
        return new RandomErasing(prob, mode, 1, Math.max(1, count), 0.02, 1.0 / 3.0, 0.3, 1.0 / 0.3);
    }

    /** The erased rectangle, or null when none was erased (for tests and previews). */
    public record Rect(int top, int left, int height, int width) {}

    /** Erases in {@code out[offset ..]} (C x H x W floats); returns the last rectangle erased or null. */
    public Rect apply(float[] out, int offset, int channels, int height, int width, SplittableRandom rng) {
        if (rng.nextDouble() > prob) {
            return null;
        }
        double area = (double) height * width;
        int count = minCount == maxCount ? minCount : Draws.randint(rng, minCount, maxCount);
        double logLo = Math.log(minAspect);
        double logHi = Math.log(maxAspect);
        Rect last = null;
        for (int k = 0; k < count; k++) {
            for (int attempt = 0; attempt < 10; attempt++) {
                double target = Draws.uniform(rng, minArea, maxArea) * area / count;
                double aspect = Math.exp(Draws.uniform(rng, logLo, logHi));
                int h = (int) Math.rint(Math.sqrt(target * aspect));
                int w = (int) Math.rint(Math.sqrt(target / aspect));
                if (w < width && h < height) {
                    int top = Draws.randint(rng, 0, height - h);
                    int left = Draws.randint(rng, 0, width - w);
                    fill(out, offset, channels, height, width, top, left, h, w, rng);
                    last = new Rect(top, left, h, w);
                    break;
                }
            }
        }
        return last;
    }

    private void fill(float[] out, int offset, int channels, int height, int width,
                      int top, int left, int h, int w, SplittableRandom rng) {
        for (int c = 0; c < channels; c++) {
            float channelValue = switch (mode) {
                case RAND -> (float) Draws.normal(rng);
                case CONST, PIXEL -> 0f;
            };
            int plane = offset + c * height * width;
            for (int y = top; y < top + h; y++) {
                int row = plane + y * width;
                if (mode == EraseMode.PIXEL) {
                    normals(rng, out, row + left, w);
                } else {
                    java.util.Arrays.fill(out, row + left, row + left + w, channelValue);
                }
            }
        }
    }

    /** {@code n} standard normals into {@code out[from ..]}, both values of each polar-method pair used. */
    private static void normals(SplittableRandom rng, float[] out, int from, int n) {
        int i = 0;
        while (i < n) {
            double u = 2.0 * rng.nextDouble() - 1.0;
            double v = 2.0 * rng.nextDouble() - 1.0;
            double s = u * u + v * v;
            if (s <= 0.0 || s >= 1.0) {
                continue;
            }
            double m = Math.sqrt(-2.0 * Math.log(s) / s);
            out[from + i++] = (float) (u * m);
            if (i < n) {
                out[from + i++] = (float) (v * m);
            }
        }
    }
}
