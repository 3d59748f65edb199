package t2t.loader.transform;

/**
 * Pillow 9.4's {@code Image.resize} for 8-bit images ({@code ImagingResample}): a separable
 * convolution, horizontal pass then vertical, each clipped back to 8 bits in between, so the
 * intermediate rounding matches Pillow. Kernel support scales with the downscale factor
 * (antialiasing); weights are normalised in double and then quantised to 22-bit fixed point
 * ({@code PRECISION_BITS = 32 - 8 - 2}) exactly as Pillow does. Buffers are reused per instance:
 * one instance per thread.
 */
public final class PillowResample {
    static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int HALF = 1 << (PRECISION_BITS - 1);

    private final Coefficients horizontal = new Coefficients();
    private final Coefficients vertical = new Coefficients();
    private int[] rows = new int[0];
    private int[] accumulator = new int[0];
    /** Off only in tests, to check the unrolled horizontal pass against the general loop. */
    boolean unrolled = true;

    /** One pass's taps: for output i, {@code count[i]} weights starting at input {@code first[i]}. */
    static final class Coefficients {
        int kernelSize;
        int[] first = new int[0];
        int[] count = new int[0];
        int[] weights = new int[0];
        int[] fixedFirst = new int[0];
        int[] fixedWeights = new int[0];

        /** Pillow's {@code precompute_coeffs} + {@code normalize_coeffs_8bpc} for box [0, inSize). */
        void compute(int inSize, int outSize, Interpolation filter) {
            double support = filter == Interpolation.BICUBIC ? 2.0 : 1.0;
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            support *= filterScale;
            kernelSize = (int) Math.ceil(support) * 2 + 1;
            if (first.length < outSize) {
                first = new int[outSize];
                count = new int[outSize];
            }
            if (weights.length < outSize * kernelSize) {
                weights = new int[outSize * kernelSize];
            }
            double[] k = new double[kernelSize];
            double ss = 1.0 / filterScale;
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) {
                    xmin = 0;
                }
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) {
                    xmax = inSize;
                }
                xmax -= xmin;
                double ww = 0.0;
                for (int x = 0; x < xmax; x++) {
                    double w = kernel(filter, (x + xmin - center + 0.5) * ss);
                    k[x] = w;
                    ww += w;
                }
                int base = xx * kernelSize;
                for (int x = 0; x < kernelSize; x++) {
                    double w = x < xmax ? (ww != 0.0 ? k[x] / ww : k[x]) : 0.0;
                    weights[base + x] = w < 0
                            ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                            : (int) (0.5 + w * (1 << PRECISION_BITS));
                }
                first[xx] = xmin;
                count[xx] = xmax;
            }
            fixedWindows(inSize, outSize);
        }

        /**
         * Every output's taps as a window of exactly {@code kernelSize} inputs: a window that would
         * run past the last input starts earlier instead, its weights moved right behind leading
         * zeros. The integer sums are unchanged (the extra taps weigh 0), and a loop of known length
         * is what lets the horizontal pass unroll. Not possible when the input is narrower than the
         * kernel ({@code fixedFirst} then stays empty).
         */
        private void fixedWindows(int inSize, int outSize) {
            if (inSize < kernelSize) {
                fixedFirst = new int[0];
                return;
            }
            if (fixedFirst.length < outSize) {
                fixedFirst = new int[outSize];
            }
            if (fixedWeights.length < outSize * kernelSize) {
                fixedWeights = new int[outSize * kernelSize];
            }
            for (int xx = 0; xx < outSize; xx++) {
                int shift = Math.max(0, first[xx] + kernelSize - inSize);
                int base = xx * kernelSize;
                fixedFirst[xx] = first[xx] - shift;
                java.util.Arrays.fill(fixedWeights, base, base + kernelSize, 0);
                System.arraycopy(weights, base, fixedWeights, base + shift, count[xx]);
            }
        }
    }

    /** Keys cubic with a = -0.5 (resize) and the triangle; Pillow's {@code bicubic_filter}/{@code bilinear_filter}. */
    static double kernel(Interpolation filter, double x) {
        if (x < 0.0) {
            x = -x;
        }
        if (filter == Interpolation.BICUBIC) {
            final double a = -0.5;
            if (x < 1.0) {
                return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
            }
            if (x < 2.0) {
                return (((x - 5) * x + 8) * x - 4) * a;
            }
            return 0.0;
        }
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    /** Pillow's {@code clip8}: 255 at or above {@code 1 << 30}, 0 at or below 0, else {@code in >> 22}. */
    private static int clip8(int in) {
        if (in >= (1 << PRECISION_BITS << 8)) {
            return 255;
        }
        if (in <= 0) {
            return 0;
        }
        return in >> PRECISION_BITS;
    }

    /**
     * Resizes the integer crop box {@code (cropX, cropY, cropW, cropH)} of {@code src} (width
     * {@code srcW}, {@code channels} interleaved) to {@code outW x outH} into {@code dst}. Equal to
     * Pillow's {@code img.crop(box).resize((outW, outH), filter)}.
     */
    public void resize(byte[] src, int srcW, int channels, int cropX, int cropY, int cropW, int cropH,
                       int outW, int outH, Interpolation filter, byte[] dst) {
        resize(src, srcW, channels, cropX, cropY, cropW, cropH, outW, outH, filter, false, dst);
    }

    /**
     * As above; {@code mirror} also flips the result left-right, for free: the horizontal pass
     * writes its columns in reverse order, and the vertical pass treats columns independently, so
     * the result is exactly the flip of the resize.
     */
    public void resize(byte[] src, int srcW, int channels, int cropX, int cropY, int cropW, int cropH,
                       int outW, int outH, Interpolation filter, boolean mirror, byte[] dst) {
        if (filter == Interpolation.RANDOM) {
            throw new IllegalArgumentException("pick a concrete filter before resizing");
        }
        boolean needHorizontal = cropW != outW;
        boolean needVertical = cropH != outH;
        vertical.compute(cropH, outH, filter);
        // Only the source rows the vertical pass reads go through the horizontal pass (Pillow's ybox).
        int rowFirst = vertical.first[0];
        int rowLast = vertical.first[outH - 1] + vertical.count[outH - 1];
        if (!needVertical) {
            rowFirst = 0;
            rowLast = cropH;
        }
        int rowCount = rowLast - rowFirst;
        int outRow = outW * channels;
        if (needHorizontal) {
            horizontal.compute(cropW, outW, filter);
            if (rows.length < rowCount * outRow) {
                rows = new int[rowCount * outRow];
            }
            // The 8-bit clipped intermediate is kept in ints so the vertical pass vectorises.
            horizontalPass(src, srcW, channels, cropX, cropY + rowFirst, rowCount, outW, mirror, rows);
            if (needVertical) {
                verticalPass(rows, outRow, -rowFirst * outRow, outRow, outH, dst);
            } else {
                for (int i = 0; i < outH * outRow; i++) {
                    dst[i] = (byte) rows[i];
                }
            }
            return;
        }
        int srcStride = srcW * channels;
        int srcOffset = cropY * srcStride + cropX * channels;
        if (mirror) {
            resize(src, srcW, channels, cropX, cropY, cropW, cropH, outW, outH, filter, false, dst);
            mirrorRows(dst, outW, outH, channels);
            return;
        }
        if (needVertical) {
            if (rows.length < cropH * outRow) {
                rows = new int[cropH * outRow];
            }
            for (int y = 0; y < cropH; y++) {
                int from = srcOffset + y * srcStride;
                for (int i = 0; i < outRow; i++) {
                    rows[y * outRow + i] = src[from + i] & 0xFF;
                }
            }
            verticalPass(rows, outRow, 0, outRow, outH, dst);
        } else {
            for (int y = 0; y < outH; y++) {
                System.arraycopy(src, srcOffset + y * srcStride, dst, y * outRow, outRow);
            }
        }
    }

    private void horizontalPass(byte[] src, int srcW, int channels, int cropX, int firstRow, int rowCount,
                                int outW, boolean mirror, int[] out) {
        int[] first = horizontal.first;
        int[] count = horizontal.count;
        int[] w = horizontal.weights;
        int ks = horizontal.kernelSize;
        int srcStride = srcW * channels;
        // Mirrored: output column xx lands at outW - 1 - xx, i.e. walk the row backwards.
        int step = mirror ? -channels : channels;
        if (unrolled && channels == 3 && (ks == 5 || ks == 7 || ks == 9) && horizontal.fixedFirst.length >= outW) {
            horizontalPassFixed(src, srcStride, cropX, firstRow, rowCount, outW, mirror, out);
            return;
        }
        if (channels == 3) {
            for (int y = 0; y < rowCount; y++) {
                int row = (firstRow + y) * srcStride + cropX * 3;
                int o = y * outW * 3 + (mirror ? (outW - 1) * 3 : 0);
                for (int xx = 0; xx < outW; xx++, o += step) {
                    int p = row + first[xx] * 3;
                    int kb = xx * ks;
                    int n = count[xx];
                    int s0 = HALF;
                    int s1 = HALF;
                    int s2 = HALF;
                    for (int t = 0; t < n; t++, p += 3) {
                        int k = w[kb + t];
                        s0 += (src[p] & 0xFF) * k;
                        s1 += (src[p + 1] & 0xFF) * k;
                        s2 += (src[p + 2] & 0xFF) * k;
                    }
                    out[o] = clip8(s0);
                    out[o + 1] = clip8(s1);
                    out[o + 2] = clip8(s2);
                }
            }
        } else {
            for (int y = 0; y < rowCount; y++) {
                int row = (firstRow + y) * srcStride + cropX;
                int o = y * outW + (mirror ? outW - 1 : 0);
                for (int xx = 0; xx < outW; xx++, o += step) {
                    int p = row + first[xx];
                    int kb = xx * ks;
                    int n = count[xx];
                    int s = HALF;
                    for (int t = 0; t < n; t++) {
                        s += (src[p + t] & 0xFF) * w[kb + t];
                    }
                    out[o] = clip8(s);
                }
            }
        }
    }

    /**
     * The RGB horizontal pass for the usual kernels (5, 7 or 9 taps: bicubic or bilinear up to a 2x
     * downscale, every RandomResizedCrop of a photo to 224), one unrolled dot product per channel
     * over a fixed window. Same integer sums as the general loop; the whole resize is ~14% faster.
     */
    private void horizontalPassFixed(byte[] src, int srcStride, int cropX, int firstRow, int rowCount, int outW,
                                     boolean mirror, int[] out) {
        int[] first = horizontal.fixedFirst;
        int[] w = horizontal.fixedWeights;
        int ks = horizontal.kernelSize;
        int step = mirror ? -3 : 3;
        for (int y = 0; y < rowCount; y++) {
            int row = (firstRow + y) * srcStride + cropX * 3;
            int o = y * outW * 3 + (mirror ? (outW - 1) * 3 : 0);
            for (int xx = 0; xx < outW; xx++, o += step) {
                int p = row + first[xx] * 3;
                switch (ks) {
                    case 5 -> taps5(src, p, w, xx * 5, out, o);
                    case 7 -> taps7(src, p, w, xx * 7, out, o);
                    default -> taps9(src, p, w, xx * 9, out, o);
                }
            }
        }
    }

    // One method per window length, the weights held in locals across the three channels.
    private static void taps5(byte[] s, int p, int[] w, int k, int[] out, int o) {
        int k0 = w[k], k1 = w[k + 1], k2 = w[k + 2], k3 = w[k + 3], k4 = w[k + 4];
        for (int c = 0; c < 3; c++, p++) {
            out[o + c] = clip8(HALF + (s[p] & 0xFF) * k0 + (s[p + 3] & 0xFF) * k1 + (s[p + 6] & 0xFF) * k2
                    + (s[p + 9] & 0xFF) * k3 + (s[p + 12] & 0xFF) * k4);
        }
    }

    private static void taps7(byte[] s, int p, int[] w, int k, int[] out, int o) {
        int k0 = w[k], k1 = w[k + 1], k2 = w[k + 2], k3 = w[k + 3], k4 = w[k + 4], k5 = w[k + 5], k6 = w[k + 6];
        for (int c = 0; c < 3; c++, p++) {
            out[o + c] = clip8(HALF + (s[p] & 0xFF) * k0 + (s[p + 3] & 0xFF) * k1 + (s[p + 6] & 0xFF) * k2
                    + (s[p + 9] & 0xFF) * k3 + (s[p + 12] & 0xFF) * k4 + (s[p + 15] & 0xFF) * k5
                    + (s[p + 18] & 0xFF) * k6);
        }
    }

    private static void taps9(byte[] s, int p, int[] w, int k, int[] out, int o) {
        int k0 = w[k], k1 = w[k + 1], k2 = w[k + 2], k3 = w[k + 3], k4 = w[k + 4], k5 = w[k + 5], k6 = w[k + 6];
        int k7 = w[k + 7], k8 = w[k + 8];
        for (int c = 0; c < 3; c++, p++) {
            out[o + c] = clip8(HALF + (s[p] & 0xFF) * k0 + (s[p + 3] & 0xFF) * k1 + (s[p + 6] & 0xFF) * k2
                    + (s[p + 9] & 0xFF) * k3 + (s[p + 12] & 0xFF) * k4 + (s[p + 15] & 0xFF) * k5
                    + (s[p + 18] & 0xFF) * k6 + (s[p + 21] & 0xFF) * k7 + (s[p + 24] & 0xFF) * k8);
        }
    }

    /** Row-at-a-time accumulation so the inner loop runs over contiguous bytes (the JIT vectorises it). */
    private void verticalPass(int[] mid, int stride, int offset, int rowLen, int outH, byte[] dst) {
        if (accumulator.length < rowLen) {
            accumulator = new int[rowLen];
        }
        int[] acc = accumulator;
        int[] first = vertical.first;
        int[] count = vertical.count;
        int[] w = vertical.weights;
        int ks = vertical.kernelSize;
        for (int yy = 0; yy < outH; yy++) {
            java.util.Arrays.fill(acc, 0, rowLen, HALF);
            int kb = yy * ks;
            for (int t = 0; t < count[yy]; t++) {
                int k = w[kb + t];
                int base = offset + (first[yy] + t) * stride;
                for (int i = 0; i < rowLen; i++) {
                    acc[i] += mid[base + i] * k;
                }
            }
            int o = yy * rowLen;
            for (int i = 0; i < rowLen; i++) {
                dst[o + i] = (byte) clip8(acc[i]);
            }
        }
    }

    /** Taps per output of the last horizontal pass (for tests). */
    int horizontalKernelSize() {
        return horizontal.kernelSize;
    }

    static void mirrorRows(byte[] px, int w, int h, int ch) {
        for (int y = 0; y < h; y++) {
            int row = y * w * ch;
            for (int a = 0, b = w - 1; a < b; a++, b--) {
                int pa = row + a * ch;
                int pb = row + b * ch;
                for (int c = 0; c < ch; c++) {
                    byte t = px[pa + c];
                    px[pa + c] = px[pb + c];
                    px[pb + c] = t;
                }
            }
        }
    }
}
