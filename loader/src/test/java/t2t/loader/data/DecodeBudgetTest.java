package t2t.loader.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import t2t.loader.decode.ImageDecoder;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real 13000x13000 PNG (169 M pixels, under the decompression-bomb limit, 2 MB on disk) is
 * skipped with its reason before decoding, where decoding it took about 1 GB per loader thread;
 * a small image in the same folder still decodes.
 */
class DecodeBudgetTest {
    @Test
    void anImageOverThePerThreadDecodeBudgetIsSkippedWithItsReason(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("b"));
        Files.write(dir.resolve("a/huge.png"), blackPng(13000, 13000));
        Files.write(dir.resolve("b/small.png"), blackPng(40, 24));
        assertTrue(13000L * 13000 < ImageDecoder.DEFAULT_PIXEL_LIMIT, "under the pixel guard");

        ImageFolder data = ImageFolder.open(dir, 3, new ImageDecoder());
        Sample.Skipped skipped = assertInstanceOf(Sample.Skipped.class, data.get(0));
        assertTrue(skipped.reason().contains("decode budget") && skipped.reason().contains("13000x13000"),
                skipped.reason());
        assertEquals(1, data.skips().count());
        Sample.Decoded small = assertInstanceOf(Sample.Decoded.class, data.get(1));
        assertEquals(40, small.image().width());
    }

    /** An 8-bit RGB PNG of zeros, deflated row by row so the test never holds the raw image. */
    static byte[] blackPng(int width, int height) throws IOException {
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        byte[] row = new byte[1 + 3 * width];
        byte[] buf = new byte[1 << 16];
        for (int y = 0; y < height; y++) {
            deflater.setInput(row);
            while (!deflater.needsInput()) {
                idat.write(buf, 0, deflater.deflate(buf));
            }
        }
        deflater.finish();
        while (!deflater.finished()) {
            idat.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(png);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(ihdr);
        h.writeInt(width);
        h.writeInt(height);
        h.write(new byte[] {8, 2, 0, 0, 0});
        chunk(out, "IHDR", ihdr.toByteArray());
        chunk(out, "IDAT", idat.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}
