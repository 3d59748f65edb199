package t2t.loader.decode;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import t2t.loader.image.Image8;

import java.io.IOException;
import java.io.InputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decoded pixels against Pillow 9.4's {@code convert('RGB')} (fixtures from make_fixtures.py). */
class ImageDecoderTest {
    private final ImageDecoder decoder = new ImageDecoder();

    static byte[] resource(String name) throws IOException {
        try (InputStream in = ImageDecoderTest.class.getResourceAsStream("/decode/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return in.readAllBytes();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "rgb.png, rgb, 0",
            "rgba.png, rgba, 0",
            "la.png, la, 0",
            "palette.png, palette, 0",
            "gray16.png, gray16, 0",
            "rgb16.png, rgb16, 0",
            "palette.gif, palette_gif, 0",
            "rgb.bmp, rgb_bmp, 0",
            "lossless.webp, lossless_webp, 0",
            "rgb.tif, rgb_tif, 0",
            "rgb420_q90.jpg, rgb420_q90, 0",
            "progressive.jpg, progressive, 0",
            "gray.jpg, gray, 0",
            "exif6.jpg, exif6, 0",
            // Adobe (inverted) CMYK: OpenCV's k - ((255-c)*k >> 8) is one below Pillow's
            // MULDIV255 rounding on every value (measured: max 1).
            "cmyk.jpg, cmyk, 1",
    })
    void matchesPillowConvertRgb(String file, String expected, int tolerance) throws Exception {
        Image8 image = decoder.decodeRgb(resource(file));
        byte[] want = resource(expected + ".rgb");
        assertEquals(40, image.width(), "EXIF orientation must not rotate: width");
        assertEquals(24, image.height());
        assertEquals(3, image.channels());
        if (tolerance == 0) {
            assertArrayEquals(want, image.pixels());
        } else {
            int worst = 0;
            for (int i = 0; i < want.length; i++) {
                worst = Math.max(worst, Math.abs((want[i] & 0xFF) - (image.pixels()[i] & 0xFF)));
            }
            assertTrue(worst <= tolerance, "max abs difference " + worst + " > " + tolerance);
        }
    }

    @Test
    void grayOutputUsesPillowLuma() throws Exception {
        Image8 rgb = decoder.decodeRgb(resource("rgb.png"));
        Image8 gray = decoder.decode(resource("rgb.png"), 1);
        assertEquals(1, gray.channels());
        int r = rgb.get(7, 6, 0), g = rgb.get(7, 6, 1), b = rgb.get(7, 6, 2);
        assertEquals((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16, gray.get(7, 6, 0));
    }

    @Test
    void truncatedJpegIsRefusedButAppendedGarbageIsFine() throws Exception {
        byte[] jpeg = resource("rgb420_q90.jpg");
        byte[] truncated = java.util.Arrays.copyOf(jpeg, jpeg.length * 2 / 3);
        assertThrows(BadImageException.class, () -> decoder.decodeRgb(truncated));
        // Pillow 9.4 refuses even a file missing only its EOI: "image file is truncated".
        byte[] noEoi = java.util.Arrays.copyOf(jpeg, jpeg.length - 2);
        assertThrows(BadImageException.class, () -> decoder.decodeRgb(noEoi));
        byte[] padded = java.util.Arrays.copyOf(jpeg, jpeg.length + 100);
        for (int i = jpeg.length; i < padded.length; i++) {
            padded[i] = (byte) (i * 37);
        }
        assertArrayEquals(resource("rgb420_q90.rgb"), decoder.decodeRgb(padded).pixels());
    }

    @Test
    void pixelLimitRefusesBeforeDecoding() throws Exception {
        byte[] png = resource("rgb.png");
        assertEquals(40 * 24, ImageHeader.probe(png).pixels());
        ImageDecoder strict = new ImageDecoder(40 * 24 - 1);
        BadImageException e = assertThrows(BadImageException.class, () -> strict.decodeRgb(png));
        assertTrue(e.getMessage().contains("decompression bomb"), e.getMessage());
        assertEquals(40, new ImageDecoder(40 * 24).decodeRgb(png).width());
    }
}
