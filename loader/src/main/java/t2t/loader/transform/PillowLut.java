package t2t.loader.transform;

/**
 * Pillow 9.4's per-channel lookup-table ops ({@code ImageOps.autocontrast}, {@code equalize},
 * {@code invert}, {@code posterize}, {@code solarize}, and timm's {@code solarize_add}). Tables
 * are computed from each channel's histogram exactly as the Python code does.
 */
public final class PillowLut {
    private PillowLut() {}

    static void apply(byte[] src, int n, byte[] lut, byte[] dst) {
        for (int i = 0; i < n; i++) {
            dst[i] = lut[src[i] & 0xFF];
        }
    }

    /** One table per channel, {@code luts[c]}. */
    static void applyPerChannel(byte[] src, int n, int channels, byte[][] luts, byte[] dst) {
        if (channels == 1) {
            apply(src, n, luts[0], dst);
            return;
        }
        byte[] l0 = luts[0];
        byte[] l1 = luts[1];
        byte[] l2 = luts[2];
        for (int i = 0; i < n; i += 3) {
            dst[i] = l0[src[i] & 0xFF];
            dst[i + 1] = l1[src[i + 1] & 0xFF];
            dst[i + 2] = l2[src[i + 2] & 0xFF];
        }
    }

    static int[][] histograms(byte[] src, int n, int channels) {
        int[][] h = new int[channels][256];
        for (int i = 0; i < n; i += channels) {
            for (int c = 0; c < channels; c++) {
                h[c][src[i + c] & 0xFF]++;
            }
        }
        return h;
    }

    private static byte[] table(java.util.function.IntUnaryOperator f) {
        byte[] lut = new byte[256];
        for (int v = 0; v < 256; v++) {
            lut[v] = (byte) f.applyAsInt(v);
        }
        return lut;
    }

    /** {@code ImageOps.autocontrast(img)} with cutoff 0: stretch each channel's [min, max] to [0, 255]. */
    public static void autocontrast(byte[] src, int n, int channels, byte[] dst) {
        int[][] hist = histograms(src, n, channels);
        byte[][] luts = new byte[channels][];
        for (int c = 0; c < channels; c++) {
            int[] h = hist[c];
            int lo = 0;
            while (lo < 255 && h[lo] == 0) {
                lo++;
            }
            int hi = 255;
            while (hi > 0 && h[hi] == 0) {
                hi--;
            }
            if (hi <= lo) {
                luts[c] = table(v -> v);
            } else {
                double scale = 255.0 / (hi - lo);
                double offset = -lo * scale;
                luts[c] = table(v -> Math.max(0, Math.min(255, (int) (v * scale + offset))));
            }
        }
        applyPerChannel(src, n, channels, luts, dst);
    }

    /** {@code ImageOps.equalize(img)}: Pillow's step-based cumulative table per channel. */
    public static void equalize(byte[] src, int n, int channels, byte[] dst) {
        int[][] hist = histograms(src, n, channels);
        byte[][] luts = new byte[channels][];
        for (int c = 0; c < channels; c++) {
            int[] h = hist[c];
            int nonzero = 0;
            long total = 0;
            int last = 0;
            for (int v = 0; v < 256; v++) {
                if (h[v] != 0) {
                    nonzero++;
                    total += h[v];
                    last = h[v];
                }
            }
            long step = nonzero <= 1 ? 0 : (total - last) / 255;
            if (step == 0) {
                luts[c] = table(v -> v);
            } else {
                byte[] lut = new byte[256];
                long acc = step / 2;
                for (int v = 0; v < 256; v++) {
                    // Image.point clips table entries to 0..255.
                    lut[v] = (byte) Math.min(255, acc / step);
                    acc += h[v];
                }
                luts[c] = lut;
            }
        }
        applyPerChannel(src, n, channels, luts, dst);
    }

    public static void invert(byte[] src, int n, byte[] dst) {
        apply(src, n, table(v -> 255 - v), dst);
    }

    /** Keep the top {@code bits} bits; {@code bits >= 8} copies (timm returns the image unchanged). */
    public static void posterize(byte[] src, int n, int bits, byte[] dst) {
        if (bits >= 8) {
            System.arraycopy(src, 0, dst, 0, n);
            return;
        }
        int mask = ~((1 << (8 - bits)) - 1);
        apply(src, n, table(v -> v & mask), dst);
    }

    /** {@code ImageOps.solarize(img, threshold)}: invert values at or above the threshold. */
    public static void solarize(byte[] src, int n, int threshold, byte[] dst) {
        apply(src, n, table(v -> v < threshold ? v : 255 - v), dst);
    }

    /** timm's {@code solarize_add}: add to values below 128, saturating at 255. */
    public static void solarizeAdd(byte[] src, int n, int add, byte[] dst) {
        apply(src, n, table(v -> v < 128 ? Math.min(255, v + add) : v), dst);
    }
}
