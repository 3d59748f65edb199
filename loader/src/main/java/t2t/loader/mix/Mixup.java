package t2t.loader.mix;

import t2t.loader.transform.Draws;
import t2t.protocol.UserInputException;

import java.util.SplittableRandom;

/**
 * timm's {@code Mixup}/CutMix on a normalized float NCHW batch, in place (DeiT mixes after
 * RandomErasing). Sample {@code i} is mixed with {@code B-1-i}. With a token grid (Token Labeling's
 * MixToken as CutMix), every box is drawn on the {@code gridH x gridW} token grid and scaled to
 * pixels, so it covers whole tokens and the class target is mixed by exactly the token-area share.
 * One instance may be shared by threads: it keeps no state between calls.
 */
public final class Mixup {
    private final MixupConfig config;

    public Mixup(MixupConfig config) {
        this.config = config;
    }

    public MixupConfig config() {
        return config;
    }

    /** Mixes {@code pixels[0 .. B*C*H*W)} in place and returns the targets and what was drawn. */
    public MixResult mix(float[] pixels, int batch, int channels, int height, int width, int[] labels,
                         SplittableRandom rng) {
        return mix(pixels, batch, channels, height, width, labels, 0, 0, rng);
    }

    /**
     * As {@link #mix(float[], int, int, int, int, int[], SplittableRandom)}, with CutMix boxes snapped
     * to a {@code gridH x gridW} token grid ({@code H % gridH == 0}, {@code W % gridW == 0});
     * {@code gridH = gridW = 0} means pixel boxes.
     */
    public MixResult mix(float[] pixels, int batch, int channels, int height, int width, int[] labels,
                         int gridH, int gridW, SplittableRandom rng) {
        if (batch % 2 != 0) {
            throw new UserInputException("mixup/cutmix needs an even batch size, got " + batch
                    + ": use an even per-loader batch size, or turn mixing off with --mixup 0 --cutmix 0");
        }
        if (labels.length < batch) {
            throw new IllegalArgumentException("need " + batch + " labels, got " + labels.length);
        }
        boolean grid = gridH > 0 || gridW > 0;
        if (grid && (gridH <= 0 || gridW <= 0 || height % gridH != 0 || width % gridW != 0)) {
            throw new IllegalArgumentException("token grid " + gridH + "x" + gridW + " must divide the image "
                    + height + "x" + width);
        }
        // The box is drawn in the grid's units: pixels, or tokens of cellH x cellW pixels.
        int unitsH = grid ? gridH : height;
        int unitsW = grid ? gridW : width;
        int cellH = height / unitsH;
        int cellW = width / unitsW;
        float[] lam = new float[batch];
        java.util.Arrays.fill(lam, 1f);
        CutBox[] boxes = new CutBox[batch];
        CutBox[] units = new CutBox[batch];
        int plane = height * width;
        int sample = channels * plane;
        switch (config.mode()) {
            case BATCH -> {
                Draw d = draw(rng);
                if (d.lam != 1.0) {
                    if (d.cutmix) {
                        CutBox u = box(unitsH, unitsW, d.lam, rng);
                        double corrected = correct(u, unitsH, unitsW, d.lam);
                        CutBox px = scale(u, cellH, cellW);
                        for (int i = 0; i < batch / 2; i++) {
                            swapBox(pixels, i * sample, (batch - 1 - i) * sample, channels, width, plane, px);
                        }
                        java.util.Arrays.fill(lam, (float) corrected);
                        java.util.Arrays.fill(boxes, px);
                        java.util.Arrays.fill(units, u);
                    } else {
                        for (int i = 0; i < batch / 2; i++) {
                            blendPair(pixels, i * sample, (batch - 1 - i) * sample, sample, d.lam, d.lam);
                        }
                        java.util.Arrays.fill(lam, (float) d.lam);
                    }
                }
            }
            case PAIR -> {
                Draw[] draws = drawElems(batch / 2, rng);
                for (int i = 0; i < batch / 2; i++) {
                    int j = batch - 1 - i;
                    Draw d = draws[i];
                    if (d.lam == 1.0) {
                        continue;
                    }
                    if (d.cutmix) {
                        CutBox u = box(unitsH, unitsW, d.lam, rng);
                        CutBox px = scale(u, cellH, cellW);
                        swapBox(pixels, i * sample, j * sample, channels, width, plane, px);
                        lam[i] = (float) correct(u, unitsH, unitsW, d.lam);
                        boxes[i] = px;
                        boxes[j] = px;
                        units[i] = u;
                        units[j] = u;
                    } else {
                        blendPair(pixels, i * sample, j * sample, sample, d.lam, d.lam);
                        lam[i] = (float) d.lam;
                    }
                    lam[j] = lam[i];
                }
            }
            case ELEM -> {
                Draw[] draws = drawElems(batch, rng);
                float[] a = new float[sample];
                float[] b = new float[sample];
                // Pair by pair, from copies of both originals: each element mixes from the unmixed batch.
                for (int i = 0; i < batch / 2; i++) {
                    int j = batch - 1 - i;
                    System.arraycopy(pixels, i * sample, a, 0, sample);
                    System.arraycopy(pixels, j * sample, b, 0, sample);
                    for (int k : new int[] {i, j}) {
                        Draw d = draws[k];
                        if (d.lam == 1.0) {
                            continue;
                        }
                        float[] own = k == i ? a : b;
                        float[] other = k == i ? b : a;
                        if (d.cutmix) {
                            CutBox u = box(unitsH, unitsW, d.lam, rng);
                            CutBox px = scale(u, cellH, cellW);
                            copyBox(other, 0, pixels, k * sample, channels, width, plane, px);
                            lam[k] = (float) correct(u, unitsH, unitsW, d.lam);
                            boxes[k] = px;
                            units[k] = u;
                        } else {
                            float l = (float) d.lam;
                            float r = (float) (1 - d.lam);
                            int o = k * sample;
                            for (int t = 0; t < sample; t++) {
                                pixels[o + t] = own[t] * l + other[t] * r;
                            }
                            lam[k] = l;
                        }
                    }
                }
            }
        }
        return new MixResult(targets(labels, batch, lam), config.mode(), lam, boxes, grid ? units : null);
    }

    /** timm's {@code mixup_target}: smoothed one-hots of {@code y} and {@code y.flip(0)}, blended by lambda. */
    public float[] targets(int[] labels, int batch, float[] lam) {
        int classes = config.numClasses();
        float off = (float) (config.labelSmoothing() / classes);
        float on = (float) (1.0 - config.labelSmoothing() + off);
        float[] t = new float[batch * classes];
        for (int i = 0; i < batch; i++) {
            int own = labels[i];
            int other = labels[batch - 1 - i];
            if (own < 0 || own >= classes || other < 0 || other >= classes) {
                throw new IllegalArgumentException("label out of range [0, " + classes + "): " + own + " / " + other);
            }
            float l = lam[i];
            int row = i * classes;
            for (int c = 0; c < classes; c++) {
                float y1 = c == own ? on : off;
                float y2 = c == other ? on : off;
                t[row + c] = y1 * l + y2 * (1f - l);
            }
        }
        return t;
    }

    private record Draw(double lam, boolean cutmix) {}

    /** timm's {@code _params_per_batch}. */
    private Draw draw(SplittableRandom rng) {
        if (!(rng.nextDouble() < config.prob())) {
            return new Draw(1.0, false);
        }
        double ma = config.mixupAlpha();
        double ca = config.cutmixAlpha();
        if (ma > 0 && ca > 0) {
            boolean cut = rng.nextDouble() < config.switchProb();
            return new Draw(cut ? Draws.beta(rng, ca, ca) : Draws.beta(rng, ma, ma), cut);
        }
        if (ma > 0) {
            return new Draw(Draws.beta(rng, ma, ma), false);
        }
        if (ca > 0) {
            return new Draw(Draws.beta(rng, ca, ca), true);
        }
        throw new UserInputException("mixing is on but both mixup and cutmix alphas are 0");
    }

    /** timm's {@code _params_per_elem}: lambdas are float32 there, so they are rounded to float here too. */
    private Draw[] drawElems(int n, SplittableRandom rng) {
        Draw[] d = new Draw[n];
        for (int i = 0; i < n; i++) {
            Draw x = draw(rng);
            d[i] = new Draw((float) x.lam, x.cutmix);
        }
        return d;
    }

    /** timm's {@code rand_bbox} (or {@code rand_bbox_minmax}) on an {@code h x w} grid. */
    CutBox box(int h, int w, double lam, SplittableRandom rng) {
        double[] minmax = config.cutmixMinMax();
        if (minmax != null) {
            int cutH = randintExclusive(rng, (int) (h * minmax[0]), (int) (h * minmax[1]));
            int cutW = randintExclusive(rng, (int) (w * minmax[0]), (int) (w * minmax[1]));
            int yl = randintExclusive(rng, 0, h - cutH);
            int xl = randintExclusive(rng, 0, w - cutW);
            return new CutBox(yl, yl + cutH, xl, xl + cutW);
        }
        double ratio = Math.sqrt(1 - lam);
        int cutH = (int) (h * ratio);
        int cutW = (int) (w * ratio);
        int cy = rng.nextInt(h);
        int cx = rng.nextInt(w);
        return new CutBox(clip(cy - cutH / 2, h), clip(cy + cutH / 2, h), clip(cx - cutW / 2, w), clip(cx + cutW / 2, w));
    }

    /** numpy's {@code randint(lo, hi)} (hi exclusive); an empty range gives {@code lo} where numpy would fail. */
    private static int randintExclusive(SplittableRandom rng, int lo, int hi) {
        return hi > lo ? lo + rng.nextInt(hi - lo) : lo;
    }

    private static int clip(int v, int hi) {
        return Math.max(0, Math.min(hi, v));
    }

    private double correct(CutBox u, int h, int w, double lam) {
        if (config.correctLam() || config.cutmixMinMax() != null) {
            return 1.0 - u.area() / (double) (h * w);
        }
        return lam;
    }

    private static CutBox scale(CutBox u, int cellH, int cellW) {
        return new CutBox(u.yl() * cellH, u.yh() * cellH, u.xl() * cellW, u.xh() * cellW);
    }

    /** {@code x[i] = lam_i x[i] + (1-lam_i) x[j]} and the mirror, from the originals of both. */
    private static void blendPair(float[] x, int oi, int oj, int n, double lamI, double lamJ) {
        float li = (float) lamI;
        float ri = (float) (1 - lamI);
        float lj = (float) lamJ;
        float rj = (float) (1 - lamJ);
        for (int t = 0; t < n; t++) {
            float a = x[oi + t];
            float b = x[oj + t];
            x[oi + t] = a * li + b * ri;
            x[oj + t] = b * lj + a * rj;
        }
    }

    private static void swapBox(float[] x, int oi, int oj, int channels, int width, int plane, CutBox box) {
        int len = box.xh() - box.xl();
        for (int c = 0; c < channels; c++) {
            for (int y = box.yl(); y < box.yh(); y++) {
                int p = c * plane + y * width + box.xl();
                for (int t = 0; t < len; t++) {
                    float a = x[oi + p + t];
                    x[oi + p + t] = x[oj + p + t];
                    x[oj + p + t] = a;
                }
            }
        }
    }

    private static void copyBox(float[] src, int os, float[] dst, int od, int channels, int width, int plane, CutBox box) {
        int len = box.xh() - box.xl();
        if (len <= 0) {
            return;
        }
        for (int c = 0; c < channels; c++) {
            for (int y = box.yl(); y < box.yh(); y++) {
                int p = c * plane + y * width + box.xl();
                System.arraycopy(src, os + p, dst, od + p, len);
            }
        }
    }
}
