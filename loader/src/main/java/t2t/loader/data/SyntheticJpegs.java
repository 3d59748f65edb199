package t2t.loader.data;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Encoded JPEGs for decode benchmarks when no photo folder is given: 500x375, 500x333 and
 * 375x500 frames (ImageNet-like shapes) of smooth multi-scale noise plus fine grain, at quality
 * 90 (4:2:0). Real photos carry more high-frequency detail, so their entropy decoding costs more
 * per pixel; quote numbers from a photo folder where one exists.
 */
public final class SyntheticJpegs {
    private static final int[][] SHAPES = {{500, 375}, {500, 333}, {375, 500}};

    private SyntheticJpegs() {}

    public static List<byte[]> make(int count, long seed) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.9f);
            List<byte[]> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int[] shape = SHAPES[i % SHAPES.length];
                BufferedImage image = smoothNoise(shape[0], shape[1], new SplittableRandom(seed * 1_000_003L + i));
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(bytes)) {
                    writer.setOutput(stream);
                    writer.write(null, new IIOImage(image, null, null), param);
                }
                out.add(bytes.toByteArray());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
    }

    private static BufferedImage smoothNoise(int w, int h, SplittableRandom rng) {
        int waves = 12;
        // sin(ax + by + c) = sin(ax)cos(by + c) + cos(ax)sin(by + c): per-wave row and column tables.
        double[][] sinX = new double[waves][w];
        double[][] cosX = new double[waves][w];
        double[][] sinY = new double[waves][h];
        double[][] cosY = new double[waves][h];
        double[] amp = new double[waves];
        double[] tiltOf = new double[waves];
        for (int k = 0; k < waves; k++) {
            double scale = Math.pow(2, rng.nextDouble(1, 6));
            double angle = rng.nextDouble(Math.PI);
            double a = 2 * Math.PI * Math.cos(angle) * scale / w;
            double b = 2 * Math.PI * Math.sin(angle) * scale / h;
            double c = rng.nextDouble(2 * Math.PI);
            amp[k] = rng.nextDouble(10, 50) / Math.sqrt(scale);
            tiltOf[k] = rng.nextDouble(-1, 1);
            for (int x = 0; x < w; x++) {
                sinX[k][x] = Math.sin(a * x);
                cosX[k][x] = Math.cos(a * x);
            }
            for (int y = 0; y < h; y++) {
                sinY[k][y] = Math.sin(b * y + c);
                cosY[k][y] = Math.cos(b * y + c);
            }
        }
        int[] base = {rng.nextInt(60, 200), rng.nextInt(60, 200), rng.nextInt(60, 200)};
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double v = 0;
                double tilt = 0;
                for (int k = 0; k < waves; k++) {
                    double s = (sinX[k][x] * cosY[k][y] + cosX[k][x] * sinY[k][y]) * amp[k];
                    v += s;
                    tilt += s * tiltOf[k];
                }
                int r = clamp(base[0] + v + tilt + rng.nextInt(-6, 7));
                int g = clamp(base[1] + v + rng.nextInt(-6, 7));
                int b = clamp(base[2] + v - tilt + rng.nextInt(-6, 7));
                row[x] = (r << 16) | (g << 8) | b;
            }
            image.setRGB(0, y, w, 1, row, 0, w);
        }
        return image;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
