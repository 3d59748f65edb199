package t2t.loader.data;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/** Encoded test images made in code. */
final class TestImages {
    private TestImages() {}

    static BufferedImage pattern(int w, int h, int seed) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (x * 7 + seed * 40) & 0xFF;
                int g = (y * 5 + seed * 13) & 0xFF;
                int b = ((x + y) * 3 + seed) & 0xFF;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    static byte[] encode(BufferedImage img, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] jpeg(int w, int h, int seed) {
        return encode(pattern(w, h, seed), "jpg");
    }

    static byte[] png(int w, int h, int seed) {
        return encode(pattern(w, h, seed), "png");
    }

    /** A PNG that is only a signature and an IHDR claiming {@code w x h} (a decompression bomb's header). */
    static byte[] pngHeaderOnly(int w, int h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        byte[] ihdr = {0, 0, 0, 13, 'I', 'H', 'D', 'R', (byte) (w >>> 24), (byte) (w >>> 16), (byte) (w >>> 8), (byte) w,
                (byte) (h >>> 24), (byte) (h >>> 16), (byte) (h >>> 8), (byte) h, 8, 2, 0, 0, 0};
        out.writeBytes(ihdr);
        CRC32 crc = new CRC32();
        crc.update(ihdr, 4, ihdr.length - 4);
        long c = crc.getValue();
        out.writeBytes(new byte[] {(byte) (c >>> 24), (byte) (c >>> 16), (byte) (c >>> 8), (byte) c});
        out.writeBytes(new byte[] {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82});
        return out.toByteArray();
    }

    /** A real JPEG whose SOF0 claims {@code w x h}. */
    static byte[] jpegClaiming(int w, int h) {
        byte[] b = jpeg(16, 16, 1);
        for (int p = 2; p + 9 < b.length; ) {
            int marker = b[p + 1] & 0xFF;
            int len = ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
            if (marker == 0xC0) {
                b[p + 5] = (byte) (h >> 8);
                b[p + 6] = (byte) h;
                b[p + 7] = (byte) (w >> 8);
                b[p + 8] = (byte) w;
                return b;
            }
            p += 2 + len;
        }
        throw new IllegalStateException("no SOF0");
    }

    /** A PNG whose compressed IDAT data is scrambled (CRC left stale, as a damaged copy would be). */
    static byte[] pngCorruptIdat(int w, int h) {
        byte[] b = png(w, h, 3);
        int idat = indexOf(b, "IDAT".getBytes(StandardCharsets.US_ASCII));
        for (int i = idat + 8; i < idat + 40 && i < b.length - 12; i++) {
            b[i] = (byte) (b[i] ^ 0x5A);
        }
        return b;
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
