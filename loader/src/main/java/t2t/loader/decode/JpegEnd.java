package t2t.loader.decode;

/**
 * Whether a JPEG stream reaches its end-of-image marker. libjpeg (and so OpenCV) decodes a
 * truncated file "successfully", filling the missing rows with gray after a warning, whereas
 * Pillow raises "image file is truncated"; checking for EOI after the first scan makes a truncated
 * file a skip, as it is under timm. Bytes appended after EOI are ignored by both, so they are fine.
 */
final class JpegEnd {
    private JpegEnd() {}

    static boolean hasEndOfImage(byte[] b) {
        int sos = firstScan(b);
        if (sos < 0) {
            return false;
        }
        // Inside entropy-coded data every 0xFF is followed by 0x00 or a restart marker, so any
        // FF D9 after the first scan header is a real end (an EXIF thumbnail's EOI lies in APP1,
        // before the scan, and was skipped by the segment walk). Searching from the back finds it
        // at once in a complete file.
        for (int i = b.length - 2; i >= sos; i--) {
            if (b[i] == (byte) 0xFF && b[i + 1] == (byte) 0xD9) {
                return true;
            }
        }
        return false;
    }

    private static int firstScan(byte[] b) {
        int p = 2;
        while (p + 4 <= b.length) {
            if ((b[p] & 0xFF) != 0xFF) {
                return -1;
            }
            int marker = b[p + 1] & 0xFF;
            if (marker == 0xFF) {
                p++;
                continue;
            }
            if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
                p += 2;
                continue;
            }
            int len = ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
            if (len < 2) {
                return -1;
            }
            if (marker == 0xDA) {
                return p + 2 + len;
            }
            p += 2 + len;
        }
        return -1;
    }
}
