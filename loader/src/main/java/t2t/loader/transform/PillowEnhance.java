package t2t.loader.transform;

/**
 * Pillow 9.4's {@code ImageEnhance} (Color, Contrast, Brightness, Sharpness), each
 * {@code Image.blend(degenerate, image, factor)}. Blend takes the factor as a C float and
 * truncates; it clips only when the factor lies outside [0, 1]. On a 1-channel ("L") image Color
 * is the identity (its gray is itself), as in Pillow.
 */
public final class PillowEnhance {
    private PillowEnhance() {}

    /** {@code out = degenerate + factor * (image - degenerate)}, Pillow's {@code ImagingBlend}. */
    public static void blend(byte[] degenerate, byte[] image, int n, double factor, byte[] dst) {
        float alpha = (float) factor;
        if (alpha == 0.0f) {
            System.arraycopy(degenerate, 0, dst, 0, n);
        } else if (alpha == 1.0f) {
            System.arraycopy(image, 0, dst, 0, n);
        } else if (alpha >= 0 && alpha <= 1.0f) {
            for (int i = 0; i < n; i++) {
                int d = degenerate[i] & 0xFF;
                dst[i] = (byte) (int) (d + alpha * ((image[i] & 0xFF) - d));
            }
        } else {
            for (int i = 0; i < n; i++) {
                int d = degenerate[i] & 0xFF;
                float t = d + alpha * ((image[i] & 0xFF) - d);
                dst[i] = (byte) (t <= 0.0f ? 0 : (t >= 255.0f ? 255 : (int) t));
            }
        }
    }

    /** Blend against a constant degenerate value (Contrast's mean gray, Brightness's black). */
    static void blendConstant(int degenerate, byte[] image, int n, double factor, byte[] dst) {
        float alpha = (float) factor;
        if (alpha == 0.0f) {
            java.util.Arrays.fill(dst, 0, n, (byte) degenerate);
        } else if (alpha == 1.0f) {
            System.arraycopy(image, 0, dst, 0, n);
        } else {
            // Build a LUT: the result depends only on the pixel value.
            byte[] lut = new byte[256];
            boolean clip = !(alpha >= 0 && alpha <= 1.0f);
            for (int v = 0; v < 256; v++) {
                float t = degenerate + alpha * (v - degenerate);
                lut[v] = (byte) (clip ? (t <= 0.0f ? 0 : (t >= 255.0f ? 255 : (int) t)) : (int) t);
            }
            PillowLut.apply(image, n, lut, dst);
        }
    }

    /** Pillow's "L" conversion of RGB: {@code (19595 R + 38470 G + 7471 B + 0x8000) >> 16}. */
    static int gray(int r, int g, int b) {
        return (19595 * r + 38470 * g + 7471 * b + 0x8000) >> 16;
    }

    /** {@code ImageEnhance.Color}: degenerate = L replicated to every channel. */
    public static void color(byte[] src, int w, int h, int channels, double factor, byte[] scratch, byte[] dst) {
        int n = w * h * channels;
        if (channels == 1) {
            System.arraycopy(src, 0, dst, 0, n);
            return;
        }
        for (int i = 0; i < n; i += 3) {
            byte g = (byte) gray(src[i] & 0xFF, src[i + 1] & 0xFF, src[i + 2] & 0xFF);
            scratch[i] = g;
            scratch[i + 1] = g;
            scratch[i + 2] = g;
        }
        blend(scratch, src, n, factor, dst);
    }

    /** {@code ImageEnhance.Contrast}: degenerate = solid {@code int(mean(L) + 0.5)}. */
    public static void contrast(byte[] src, int w, int h, int channels, double factor, byte[] dst) {
        int n = w * h * channels;
        long sum = 0;
        if (channels == 3) {
            for (int i = 0; i < n; i += 3) {
                sum += gray(src[i] & 0xFF, src[i + 1] & 0xFF, src[i + 2] & 0xFF);
            }
        } else {
            for (int i = 0; i < n; i++) {
                sum += src[i] & 0xFF;
            }
        }
        int mean = (int) ((double) sum / (w * h) + 0.5);
        blendConstant(mean, src, n, factor, dst);
    }

    /** {@code ImageEnhance.Brightness}: degenerate = black. */
    public static void brightness(byte[] src, int w, int h, int channels, double factor, byte[] dst) {
        blendConstant(0, src, w * h * channels, factor, dst);
    }

    /** {@code ImageEnhance.Sharpness}: degenerate = {@code filter(SMOOTH)}. */
    public static void sharpness(byte[] src, int w, int h, int channels, double factor, byte[] scratch, byte[] dst) {
        smooth(src, w, h, channels, scratch);
        blend(scratch, src, w * h * channels, factor, dst);
    }

    /**
     * {@code ImageFilter.SMOOTH}: 3x3 kernel [[1,1,1],[1,5,1],[1,1,1]]/13 in C floats, +0.5, truncated
     * ({@code ImagingFilter3x3}). The border rows and columns are copied unchanged, as Pillow does.
     */
    public static void smooth(byte[] src, int w, int h, int ch, byte[] dst) {
        int n = w * h * ch;
        if (w < 3 || h < 3) {
            System.arraycopy(src, 0, dst, 0, n);
            return;
        }
        final float k1 = 1f / 13f;
        final float k5 = 5f / 13f;
        int stride = w * ch;
        System.arraycopy(src, 0, dst, 0, stride);
        System.arraycopy(src, (h - 1) * stride, dst, (h - 1) * stride, stride);
        for (int y = 1; y < h - 1; y++) {
            int above = (y - 1) * stride;
            int row = y * stride;
            int below = (y + 1) * stride;
            System.arraycopy(src, row, dst, row, ch);
            System.arraycopy(src, row + (w - 1) * ch, dst, row + (w - 1) * ch, ch);
            for (int i = ch; i < stride - ch; i++) {
                float ss = 0.5f;
                ss += (src[below + i - ch] & 0xFF) * k1 + (src[below + i] & 0xFF) * k1 + (src[below + i + ch] & 0xFF) * k1;
                ss += (src[row + i - ch] & 0xFF) * k1 + (src[row + i] & 0xFF) * k5 + (src[row + i + ch] & 0xFF) * k1;
                ss += (src[above + i - ch] & 0xFF) * k1 + (src[above + i] & 0xFF) * k1 + (src[above + i + ch] & 0xFF) * k1;
                dst[row + i] = (byte) (ss <= 0.0f ? 0 : (ss >= 255.0f ? 255 : (int) ss));
            }
        }
    }
}
