package t2t.loader.transform;

import t2t.loader.image.Image8;

import java.util.SplittableRandom;

/**
 * A built-in photo-like image (smooth gradients, hard-edged shapes, sensor-like noise), so the
 * augmentation preview and the transform benchmark work without a dataset.
 */
public final class TestPattern {
    private TestPattern() {}

    public static Image8 photo(int width, int height, int channels, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        byte[] px = new byte[width * height * channels];
        int shapes = 6;
        int[][] disc = new int[shapes][];
        for (int s = 0; s < shapes; s++) {
            disc[s] = new int[] {rng.nextInt(width), rng.nextInt(height), 10 + rng.nextInt(Math.max(1, Math.min(width, height) / 4)),
                rng.nextInt(256), rng.nextInt(256), rng.nextInt(256)};
        }
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double u = x / (double) width;
                double v = y / (double) height;
                int[] rgb = {
                    (int) (255 * u), (int) (255 * v), (int) (128 + 100 * Math.sin(6 * u + 4 * v)),
                };
                for (int[] d : disc) {
                    int dx = x - d[0];
                    int dy = y - d[1];
                    if (dx * dx + dy * dy < d[2] * d[2]) {
                        rgb[0] = d[3];
                        rgb[1] = d[4];
                        rgb[2] = d[5];
                    }
                }
                // A checkerboard stripe gives high frequencies for resampling to work on.
                if (y > height * 3 / 4 && ((x / 8 + y / 8) & 1) == 0) {
                    rgb[0] = rgb[1] = rgb[2] = 240;
                }
                int o = (y * width + x) * channels;
                if (channels == 1) {
                    px[o] = (byte) clamp(PillowEnhance.gray(rgb[0], rgb[1], rgb[2]) + (int) (6 * Draws.normal(rng)));
                } else {
                    for (int c = 0; c < 3; c++) {
                        px[o + c] = (byte) clamp(rgb[c] + (int) (6 * Draws.normal(rng)));
                    }
                }
            }
        }
        return new Image8(width, height, channels, px);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
