package t2t.loader.decode;

/**
 * What the first bytes of a file say about it, read without decoding: the format and, where the
 * header carries them, the dimensions. The pixel limit is checked on these before any decoder
 * allocates a frame buffer, which is what makes a decompression bomb harmless.
 *
 * @param width  0 when the header does not state it (an unknown format, or a truncated header)
 * @param bitDepth PNG bit depth, 8 elsewhere
 * @param pngColorType PNG colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA), -1 elsewhere
 */
public record ImageHeader(Format format, int width, int height, int bitDepth, int pngColorType) {

    public enum Format { JPEG, PNG, GIF, BMP, WEBP, TIFF, UNKNOWN }

    public long pixels() {
        return (long) width * height;
    }

    public boolean hasSize() {
        return width > 0 && height > 0;
    }

    public static ImageHeader probe(byte[] b) {
        if (b.length >= 3 && u8(b, 0) == 0xFF && u8(b, 1) == 0xD8 && u8(b, 2) == 0xFF) {
            return jpeg(b);
        }
        if (b.length >= 8 && u8(b, 0) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return png(b);
        }
        if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') {
            return b.length >= 10 ? sized(Format.GIF, le16(b, 6), le16(b, 8)) : unsized(Format.GIF);
        }
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
            // BITMAPINFOHEADER: signed 32-bit width/height at 18/22; a negative height means top-down.
            return b.length >= 26 ? sized(Format.BMP, Math.abs(le32(b, 18)), Math.abs(le32(b, 22))) : unsized(Format.BMP);
        }
        if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F'
                && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
            return webp(b);
        }
        if (b.length >= 4 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0)
                || (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42))) {
            // TIFF keeps its size in an IFD anywhere in the file; the decoders' own limits apply.
            return unsized(Format.TIFF);
        }
        return unsized(Format.UNKNOWN);
    }

    private static ImageHeader jpeg(byte[] b) {
        int p = 2;
        while (p + 4 <= b.length) {
            if (u8(b, p) != 0xFF) {
                return unsized(Format.JPEG);
            }
            int marker = u8(b, p + 1);
            if (marker == 0xFF) { // fill byte
                p++;
                continue;
            }
            if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
                p += 2;
                continue;
            }
            int len = be16(b, p + 2);
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                if (p + 9 > b.length) {
                    return unsized(Format.JPEG);
                }
                return sized(Format.JPEG, be16(b, p + 7), be16(b, p + 5));
            }
            if (marker == 0xDA || len < 2) {
                return unsized(Format.JPEG);
            }
            p += 2 + len;
        }
        return unsized(Format.JPEG);
    }

    private static ImageHeader png(byte[] b) {
        // IHDR is required to be the first chunk: length(4) "IHDR"(4) width(4) height(4) depth(1) colour(1).
        if (b.length < 26 || b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
            return unsized(Format.PNG);
        }
        long w = be32u(b, 16);
        long h = be32u(b, 20);
        int wi = (int) Math.min(w, Integer.MAX_VALUE);
        int hi = (int) Math.min(h, Integer.MAX_VALUE);
        return new ImageHeader(Format.PNG, wi, hi, u8(b, 24), u8(b, 25));
    }

    private static ImageHeader webp(byte[] b) {
        if (b.length < 30) {
            return unsized(Format.WEBP);
        }
        String chunk = new String(b, 12, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
        switch (chunk) {
            case "VP8 ":
                return sized(Format.WEBP, le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF);
            case "VP8L": {
                long bits = (u8(b, 21)) | (u8(b, 22) << 8) | ((long) u8(b, 23) << 16) | ((long) u8(b, 24) << 24);
                return sized(Format.WEBP, (int) (bits & 0x3FFF) + 1, (int) ((bits >> 14) & 0x3FFF) + 1);
            }
            case "VP8X":
                return sized(Format.WEBP, (u8(b, 24) | u8(b, 25) << 8 | u8(b, 26) << 16) + 1,
                        (u8(b, 27) | u8(b, 28) << 8 | u8(b, 29) << 16) + 1);
            default:
                return unsized(Format.WEBP);
        }
    }

    private static ImageHeader sized(Format f, int w, int h) {
        return new ImageHeader(f, w, h, 8, -1);
    }

    private static ImageHeader unsized(Format f) {
        return new ImageHeader(f, 0, 0, 8, -1);
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    private static int be16(byte[] b, int i) {
        return (u8(b, i) << 8) | u8(b, i + 1);
    }

    private static long be32u(byte[] b, int i) {
        return ((long) u8(b, i) << 24) | (u8(b, i + 1) << 16) | (u8(b, i + 2) << 8) | u8(b, i + 3);
    }

    private static int le16(byte[] b, int i) {
        return u8(b, i) | (u8(b, i + 1) << 8);
    }

    private static int le32(byte[] b, int i) {
        return u8(b, i) | (u8(b, i + 1) << 8) | (u8(b, i + 2) << 16) | (u8(b, i + 3) << 24);
    }
}
