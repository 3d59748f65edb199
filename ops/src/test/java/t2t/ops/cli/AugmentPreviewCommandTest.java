package t2t.ops.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import t2t.ops.Main;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** augment-preview takes whatever train --data takes, the demo's Fashion-MNIST included. */
class AugmentPreviewCommandTest {
    @TempDir
    Path dir;

    private static void writeIdx(Path file, int magic, int[] dims, byte[] data) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
    }

    private BufferedImage preview(String data) throws IOException {
        Path png = dir.resolve("preview.png");
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(0, cl.execute("augment-preview", "--data", data, "--n", "4", "--img-size", "32",
                "--out", png.toString()), err.toString());
        return ImageIO.read(png.toFile());
    }

    @Test
    void previewsFashionMnistFiles() throws IOException {
        // Four 28x28 images in the IDX files Fashion-MNIST ships: a bright square on black.
        byte[] images = new byte[4 * 28 * 28];
        for (int i = 0; i < 4; i++) {
            for (int y = 8; y < 20; y++) {
                for (int x = 8; x < 20; x++) {
                    images[i * 784 + y * 28 + x] = (byte) 250;
                }
            }
        }
        writeIdx(dir.resolve("train-images-idx3-ubyte.gz"), 0x803, new int[] {4, 28, 28}, images);
        writeIdx(dir.resolve("train-labels-idx1-ubyte.gz"), 0x801, new int[] {4}, new byte[] {0, 1, 2, 3});
        BufferedImage grid = preview(dir.toString());
        assertEquals(2 * (32 + 2) + 2, grid.getWidth());
        assertNotEquals(grid.getRGB(2, 2), grid.getRGB(2 + 16, 2 + 16), "the square shows through the augmentation");
    }

    @Test
    void previewsSyntheticData() throws IOException {
        assertEquals(2 * (32 + 2) + 2, preview("synthetic:16").getHeight());
    }
}
