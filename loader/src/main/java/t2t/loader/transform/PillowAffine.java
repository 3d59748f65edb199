package t2t.loader.transform;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Pillow 9.4's {@code Image.transform(size, AFFINE, matrix, resample, fillcolor)} and
 * {@code Image.rotate} for 8-bit images: output pixel (x, y) samples the source at the inverse
 * mapping of its centre, {@code (a(x+.5) + b(y+.5) + c, d(x+.5) + e(y+.5) + f)}. A sample point
 * outside [0,W)x[0,H) keeps the fill colour; inside, neighbours are clamped to the edge. Bicubic
 * here is Pillow's a = -1 cubic (not resize's a = -0.5), clipped and truncated; bilinear truncates.
 */
public final class PillowAffine {
    private PillowAffine() {}

    /** {@code matrix} = (a, b, c, d, e, f); {@code fill} has one value per channel. */
    public static void affine(byte[] src, int w, int h, int channels, double[] matrix, Interpolation filter,
                              int[] fill, byte[] dst) {
        double a0 = matrix[0];
        double a1 = matrix[1];
        double a2 = matrix[2];
        double a3 = matrix[3];
        double a4 = matrix[4];
        double a5 = matrix[5];
        boolean cubic = switch (filter) {
            case BICUBIC -> true;
            case BILINEAR -> false;
            case RANDOM -> throw new IllegalArgumentException("pick a concrete filter before an affine warp");
        };
        int o = 0;
        for (int y = 0; y < h; y++) {
            double yc = y + 0.5;
            for (int x = 0; x < w; x++, o += channels) {
                double xc = x + 0.5;
                double xin = a0 * xc + a1 * yc + a2;
                double yin = a3 * xc + a4 * yc + a5;
                if (xin < 0.0 || xin >= w || yin < 0.0 || yin >= h) {
                    for (int c = 0; c < channels; c++) {
                        dst[o + c] = (byte) fill[c];
                    }
                } else if (cubic) {
                    bicubic(src, w, h, channels, xin, yin, dst, o);
                } else {
                    bilinear(src, w, h, channels, xin, yin, dst, o);
                }
            }
        }
    }

    private static int floor(double v) {
        return v < 0.0 ? (int) Math.floor(v) : (int) v;
    }

    private static int clamp(int v, int size) {
        return v < 0 ? 0 : (v >= size ? size - 1 : v);
    }

    private static double cubic(double v1, double v2, double v3, double v4, double d) {
        double p1 = v2;
        double p2 = -v1 + v3;
        double p3 = 2 * (v1 - v2) + v3 - v4;
        double p4 = -v1 + v2 - v3 + v4;
        return p1 + d * (p2 + d * (p3 + d * p4));
    }

    /**
     * {@link #cubic} of four 8-bit samples. Its coefficients p2..p4 are sums of integers, exact in
     * double, so computing them in int yields the very same doubles (and result) with fewer
     * floating-point operations.
     */
    private static double cubicBytes(int v1, int v2, int v3, int v4, double d) {
        int p2 = v3 - v1;
        int p3 = 2 * (v1 - v2) + v3 - v4;
        int p4 = v2 - v1 + v4 - v3;
        return v2 + d * (p2 + d * (p3 + d * p4));
    }

    /**
     * Pillow's {@code bicubic_filter8}/{@code bicubic_filter32RGB} (rows past the edge repeat the
     * previous one). With a zero fraction the cubic is exactly its second sample
     * ({@code p1 + 0 * (...)}), so shears and translates, whose sample points have an integral x or
     * y, skip three of the four row cubics or all horizontal ones, with bit-identical results. The
     * cases are small methods so the JIT inlines them into the pixel loop.
     */
    private static void bicubic(byte[] src, int w, int h, int ch, double xin, double yin, byte[] dst, int o) {
        xin -= 0.5;
        yin -= 0.5;
        int x = floor(xin);
        int y = floor(yin);
        double dx = xin - x;
        double dy = yin - y;
        if (dy == 0.0) {
            if (dx == 0.0) {
                System.arraycopy(src, (y * w + x) * ch, dst, o, ch);
            } else {
                cubicRow(src, w, ch, x, y, dx, dst, o);
            }
        } else if (dx == 0.0) {
            cubicColumn(src, w, h, ch, x, y, dy, dst, o);
        } else {
            cubicFull(src, w, h, ch, x, y, dx, dy, dst, o);
        }
    }

    private static byte clip(double v) {
        return (byte) (v <= 0.0 ? 0 : (v >= 255.0 ? 255 : (int) v));
    }

    /** dy == 0: only row y's horizontal cubic. */
    private static void cubicRow(byte[] src, int w, int ch, int x, int y, double dx, byte[] dst, int o) {
        int r = y * w * ch;
        int x0 = clamp(x - 1, w) * ch + r;
        int x1 = clamp(x, w) * ch + r;
        int x2 = clamp(x + 1, w) * ch + r;
        int x3 = clamp(x + 2, w) * ch + r;
        if (ch == 3) {
            // three independent chains written out, so they overlap instead of running one after another
            double c0 = cubicBytes(src[x0] & 0xFF, src[x1] & 0xFF, src[x2] & 0xFF, src[x3] & 0xFF, dx);
            double c1 = cubicBytes(src[x0 + 1] & 0xFF, src[x1 + 1] & 0xFF, src[x2 + 1] & 0xFF, src[x3 + 1] & 0xFF, dx);
            double c2 = cubicBytes(src[x0 + 2] & 0xFF, src[x1 + 2] & 0xFF, src[x2 + 2] & 0xFF, src[x3 + 2] & 0xFF, dx);
            dst[o] = clip(c0);
            dst[o + 1] = clip(c1);
            dst[o + 2] = clip(c2);
            return;
        }
        for (int c = 0; c < ch; c++) {
            dst[o + c] = clip(cubicBytes(src[x0 + c] & 0xFF, src[x1 + c] & 0xFF, src[x2 + c] & 0xFF, src[x3 + c] & 0xFF, dx));
        }
    }

    /** dx == 0: only column x's vertical cubic (x is inside the image whenever dx == 0). */
    private static void cubicColumn(byte[] src, int w, int h, int ch, int x, int y, double dy, byte[] dst, int o) {
        int stride = w * ch;
        int col = x * ch;
        int ym = y - 1;
        int r0 = clamp(ym, h) * stride + col;
        boolean has1 = ym + 1 >= 0 && ym + 1 < h;
        boolean has2 = ym + 2 >= 0 && ym + 2 < h;
        boolean has3 = ym + 3 >= 0 && ym + 3 < h;
        for (int c = 0; c < ch; c++) {
            double v1 = src[r0 + c] & 0xFF;
            double v2 = has1 ? src[(ym + 1) * stride + col + c] & 0xFF : v1;
            double v3 = has2 ? src[(ym + 2) * stride + col + c] & 0xFF : v2;
            double v4 = has3 ? src[(ym + 3) * stride + col + c] & 0xFF : v3;
            dst[o + c] = clip(cubic(v1, v2, v3, v4, dy));
        }
    }

    private static void cubicFull(byte[] src, int w, int h, int ch, int x, int y, double dx, double dy,
                                  byte[] dst, int o) {
        x--;
        y--;
        int stride = w * ch;
        int x0 = clamp(x, w) * ch;
        int x1 = clamp(x + 1, w) * ch;
        int x2 = clamp(x + 2, w) * ch;
        int x3 = clamp(x + 3, w) * ch;
        int r0 = clamp(y, h) * stride;
        // Pillow: a row past the edge repeats the previous row's cubic, i.e. the rows clamp.
        int r1 = y + 1 >= 0 && y + 1 < h ? (y + 1) * stride : -1;
        int r2 = y + 2 >= 0 && y + 2 < h ? (y + 2) * stride : -1;
        int r3 = y + 3 >= 0 && y + 3 < h ? (y + 3) * stride : -1;
        for (int c = 0; c < ch; c++) {
            int r = r0 + c;
            double v1 = cubicBytes(src[r + x0] & 0xFF, src[r + x1] & 0xFF, src[r + x2] & 0xFF, src[r + x3] & 0xFF, dx);
            double v2 = v1;
            if (r1 >= 0) {
                r = r1 + c;
                v2 = cubicBytes(src[r + x0] & 0xFF, src[r + x1] & 0xFF, src[r + x2] & 0xFF, src[r + x3] & 0xFF, dx);
            }
            double v3 = v2;
            if (r2 >= 0) {
                r = r2 + c;
                v3 = cubicBytes(src[r + x0] & 0xFF, src[r + x1] & 0xFF, src[r + x2] & 0xFF, src[r + x3] & 0xFF, dx);
            }
            double v4 = v3;
            if (r3 >= 0) {
                r = r3 + c;
                v4 = cubicBytes(src[r + x0] & 0xFF, src[r + x1] & 0xFF, src[r + x2] & 0xFF, src[r + x3] & 0xFF, dx);
            }
            dst[o + c] = clip(cubic(v1, v2, v3, v4, dy));
        }
    }

    /** Pillow's {@code bilinear_filter8}/{@code bilinear_filter32RGB}. */
    private static void bilinear(byte[] src, int w, int h, int ch, double xin, double yin, byte[] dst, int o) {
        xin -= 0.5;
        yin -= 0.5;
        int x = floor(xin);
        int y = floor(yin);
        double dx = xin - x;
        double dy = yin - y;
        int x0 = clamp(x, w) * ch;
        int x1 = clamp(x + 1, w) * ch;
        int stride = w * ch;
        int r0 = clamp(y, h) * stride;
        boolean has1 = y + 1 >= 0 && y + 1 < h;
        for (int c = 0; c < ch; c++) {
            int a = src[r0 + c + x0] & 0xFF;
            int b = src[r0 + c + x1] & 0xFF;
            double v1 = a + (b - a) * dx;
            double v2 = v1;
            if (has1) {
                int r = (y + 1) * stride + c;
                a = src[r + x0] & 0xFF;
                b = src[r + x1] & 0xFF;
                v2 = a + (b - a) * dx;
            }
            double v = v1 + (v2 - v1) * dy;
            dst[o + c] = (byte) (int) v;
        }
    }

    /**
     * {@code Image.rotate(degrees, resample, fillcolor=fill)}: counter-clockwise about the image
     * centre, same size. Pillow's fast paths (0 copies, 180 flips exactly, 90/270 on squares
     * transpose) are kept so results stay equal to Pillow's at those angles.
     */
    public static void rotate(byte[] src, int w, int h, int channels, double degrees, Interpolation filter,
                              int[] fill, byte[] dst) {
        double angle = degrees % 360.0;
        if (angle < 0) {
            angle += 360.0;
        }
        if (angle == 0) {
            System.arraycopy(src, 0, dst, 0, w * h * channels);
            return;
        }
        if (angle == 180 || ((angle == 90 || angle == 270) && w == h)) {
            rightAngle(src, w, h, channels, (int) angle, dst);
            return;
        }
        double rad = -Math.toRadians(angle);
        double[] m = {
            round15(Math.cos(rad)), round15(Math.sin(rad)), 0.0,
            round15(-Math.sin(rad)), round15(Math.cos(rad)), 0.0,
        };
        double cx = w / 2.0;
        double cy = h / 2.0;
        m[2] = m[0] * -cx + m[1] * -cy + m[2];
        m[5] = m[3] * -cx + m[4] * -cy + m[5];
        m[2] += cx;
        m[5] += cy;
        affine(src, w, h, channels, m, filter, fill, dst);
    }

    /** Python's {@code round(v, 15)}: half-even on the exact binary value. */
    private static double round15(double v) {
        return new BigDecimal(v).setScale(15, RoundingMode.HALF_EVEN).doubleValue();
    }

    private static void rightAngle(byte[] src, int w, int h, int ch, int angle, byte[] dst) {
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int sx;
                int sy;
                if (angle == 180) {
                    sx = w - 1 - x;
                    sy = h - 1 - y;
                } else if (angle == 90) {
                    sx = w - 1 - y;
                    sy = x;
                } else {
                    sx = y;
                    sy = h - 1 - x;
                }
                System.arraycopy(src, (sy * w + sx) * ch, dst, (y * w + x) * ch, ch);
            }
        }
    }
}
