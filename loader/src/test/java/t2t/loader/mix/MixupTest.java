package t2t.loader.mix;

import org.junit.jupiter.api.Test;
import t2t.loader.transform.Draws;
import t2t.protocol.UserInputException;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MixupTest {
    private static final int C = 2;
    private static final int H = 16;
    private static final int W = 12;

    /** Sample k is filled with the value k + 1, so any pixel tells which sample it came from. */
    private static float[] batch(int b) {
        float[] x = new float[b * C * H * W];
        for (int k = 0; k < b; k++) {
            java.util.Arrays.fill(x, k * C * H * W, (k + 1) * C * H * W, k + 1);
        }
        return x;
    }

    private static int[] labels(int b) {
        int[] y = new int[b];
        for (int i = 0; i < b; i++) {
            y[i] = i % 5;
        }
        return y;
    }

    private static MixupConfig cfg(double mixup, double cutmix, MixMode mode) {
        return new MixupConfig(mixup, cutmix, null, 1.0, 0.5, mode, true, 0.1, 5);
    }

    @Test
    void smoothedTargetsAreExact() {
        Mixup m = new Mixup(cfg(0.8, 1.0, MixMode.BATCH));
        float[] t = m.targets(new int[] {1, 3}, 2, new float[] {0.3f, 0.3f});
        // timm: off = smoothing / C, on = 1 - smoothing + off (in double, then float32 tensors).
        float off = (float) (0.1 / 5);
        float on = (float) (1.0 - 0.1 + 0.1 / 5);
        assertArrayEquals(new float[] {
            off, 0.3f * on + 0.7f * off, off, 0.3f * off + 0.7f * on, off,
            off, 0.3f * off + 0.7f * on, off, 0.3f * on + 0.7f * off, off}, t, 1e-7f);
        for (int i = 0; i < 2; i++) {
            double sum = 0;
            for (int c = 0; c < 5; c++) {
                sum += t[i * 5 + c];
            }
            assertEquals(1.0, sum, 1e-6);
        }
        float[] plain = new Mixup(cfg(0.8, 1.0, MixMode.BATCH)).targets(new int[] {4, 0}, 2, new float[] {1f, 1f});
        assertArrayEquals(new float[] {off, off, off, off, on, on, off, off, off, off}, plain, 0f);
        assertEquals(0.9001f, new Mixup(MixupConfig.deit(1000)).targets(new int[] {7, 7}, 2, new float[] {1f, 1f})[7], 1e-7f);
    }

    @Test
    void batchCutMixPastesThePartnersBoxAndCorrectsLambda() {
        Mixup m = new Mixup(cfg(0, 1.0, MixMode.BATCH));
        SplittableRandom rng = new SplittableRandom(11);
        for (int trial = 0; trial < 50; trial++) {
            int b = 6;
            float[] x = batch(b);
            MixResult r = m.mix(x, b, C, H, W, labels(b), rng);
            CutBox box = r.boxes()[0];
            assertNotNull(box);
            float lam = 1f - box.area() / (float) (H * W);
            for (int k = 0; k < b; k++) {
                assertEquals(box, r.boxes()[k], "one box for the batch");
                assertEquals((float) (1.0 - box.area() / (double) (H * W)), r.lambdas()[k], 0f, "area-corrected");
                for (int c = 0; c < C; c++) {
                    for (int yy = 0; yy < H; yy++) {
                        for (int xx = 0; xx < W; xx++) {
                            boolean in = yy >= box.yl() && yy < box.yh() && xx >= box.xl() && xx < box.xh();
                            float v = x[k * C * H * W + c * H * W + yy * W + xx];
                            assertEquals(in ? b - k : k + 1, v, 0f);
                        }
                    }
                }
            }
            assertEquals(lam, r.lambdas()[0], 1e-6f);
            assertNull(r.tokenBoxes());
        }
    }

    @Test
    void randBboxSidesFollowSqrtOneMinusLambda() {
        Mixup m = new Mixup(cfg(0, 1.0, MixMode.BATCH));
        SplittableRandom rng = new SplittableRandom(12);
        double lam = 0.64;
        int cutH = (int) (100 * Math.sqrt(1 - lam));
        int cutW = (int) (80 * Math.sqrt(1 - lam));
        int interior = 0;
        for (int i = 0; i < 2000; i++) {
            CutBox b = m.box(100, 80, lam, rng);
            assertTrue(b.yl() >= 0 && b.yh() <= 100 && b.xl() >= 0 && b.xh() <= 80);
            assertTrue(b.yh() - b.yl() <= 2 * (cutH / 2) && b.xh() - b.xl() <= 2 * (cutW / 2));
            if (b.yl() > 0 && b.yh() < 100 && b.xl() > 0 && b.xh() < 80) {
                interior++;
                assertEquals(2 * (cutH / 2), b.yh() - b.yl());
                assertEquals(2 * (cutW / 2), b.xh() - b.xl());
            }
        }
        assertTrue(interior > 150, "interior boxes: " + interior);
    }

    @Test
    void batchMixupBlendsWithTheFlippedBatch() {
        Mixup m = new Mixup(cfg(0.8, 0, MixMode.BATCH));
        int b = 4;
        float[] x = batch(b);
        MixResult r = m.mix(x, b, C, H, W, labels(b), new SplittableRandom(13));
        float lam = r.lambdas()[0];
        assertTrue(lam > 0 && lam < 1);
        for (int k = 0; k < b; k++) {
            assertNull(r.boxes()[k]);
            float expected = (k + 1) * lam + (b - k) * (float) (1 - (double) lam);
            assertEquals(expected, x[k * C * H * W + 5], 1e-5f);
        }
    }

    @Test
    void pairModeSwapsBoxesAndMirrorsLambda() {
        Mixup m = new Mixup(cfg(0, 1.0, MixMode.PAIR));
        int b = 8;
        float[] x = batch(b);
        MixResult r = m.mix(x, b, C, H, W, labels(b), new SplittableRandom(14));
        int distinct = 0;
        for (int i = 0; i < b / 2; i++) {
            int j = b - 1 - i;
            assertEquals(r.lambdas()[i], r.lambdas()[j], 0f);
            assertEquals(r.boxes()[i], r.boxes()[j]);
            CutBox box = r.boxes()[i];
            if (box.area() > 0) {
                int p = box.yl() * W + box.xl();
                assertEquals(j + 1, x[i * C * H * W + p], 0f);
                assertEquals(i + 1, x[j * C * H * W + p], 0f);
            }
            if (!box.equals(r.boxes()[0])) {
                distinct++;
            }
        }
        assertTrue(distinct > 0, "pairs draw their own boxes");
    }

    @Test
    void elemModeMixesEachFromTheUnmixedBatch() {
        Mixup m = new Mixup(cfg(0.8, 1.0, MixMode.ELEM));
        int b = 10;
        float[] x = batch(b);
        MixResult r = m.mix(x, b, C, H, W, labels(b), new SplittableRandom(15));
        for (int k = 0; k < b; k++) {
            int partner = b - 1 - k;
            double sum = 0;
            for (int t = 0; t < C * H * W; t++) {
                float v = x[k * C * H * W + t];
                if (r.boxes()[k] != null) {
                    // CutMix from the original partner only: values are own or partner's, never a third sample's.
                    assertTrue(v == k + 1 || v == partner + 1, "value " + v);
                }
                sum += v;
            }
            double mean = sum / (C * H * W);
            double lam = r.lambdas()[k];
            assertEquals(lam * (k + 1) + (1 - lam) * (partner + 1), mean, 1e-4, "sample " + k);
        }
    }

    @Test
    void tokenGridBoxesCoverWholeTokensAndMixTheClassTargetByArea() {
        Mixup m = new Mixup(cfg(0, 1.0, MixMode.ELEM));
        int b = 16;
        int gh = 4;
        int gw = 3;
        float[] x = batch(b);
        MixResult r = m.mix(x, b, C, H, W, labels(b), gh, gw, new SplittableRandom(16));
        assertNotNull(r.tokenBoxes());
        int cellH = H / gh;
        int cellW = W / gw;
        for (int k = 0; k < b; k++) {
            CutBox t = r.tokenBoxes()[k];
            CutBox p = r.boxes()[k];
            if (t == null) {
                assertEquals(1f, r.lambdas()[k]);
                continue;
            }
            assertEquals(new CutBox(t.yl() * cellH, t.yh() * cellH, t.xl() * cellW, t.xh() * cellW), p);
            assertTrue(t.yh() <= gh && t.xh() <= gw);
            assertEquals((float) (1.0 - t.area() / (double) (gh * gw)), r.lambdas()[k], 0f);
            // The cls target is mixed by exactly the pasted share of tokens.
            int own = labels(b)[k];
            int other = labels(b)[b - 1 - k];
            if (own != other) {
                float off = 0.1f / 5;
                float on = 0.9f + off;
                float lam = r.lambdas()[k];
                assertEquals(on * lam + off * (1 - lam), r.targets()[k * 5 + own], 1e-6f);
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> m.mix(batch(2), 2, C, H, W, labels(2), 5, 3, new SplittableRandom(1)));
    }

    @Test
    void cutmixMinMaxGivesBoxSidesInRange() {
        Mixup m = new Mixup(new MixupConfig(0, 0, new double[] {0.2, 0.6}, 1.0, 0.5, MixMode.ELEM, true, 0.0, 5));
        assertEquals(1.0, m.config().cutmixAlpha(), "minmax forces cutmix alpha 1");
        MixResult r = m.mix(batch(20), 20, C, H, W, labels(20), new SplittableRandom(17));
        for (CutBox box : r.boxes()) {
            int hh = box.yh() - box.yl();
            int ww = box.xh() - box.xl();
            assertTrue(hh >= (int) (H * 0.2) && hh < (int) (H * 0.6), "h " + hh);
            assertTrue(ww >= (int) (W * 0.2) && ww < (int) (W * 0.6), "w " + ww);
        }
    }

    @Test
    void probZeroLeavesTheBatchAndGivesSmoothedOneHots() {
        Mixup m = new Mixup(new MixupConfig(0.8, 1.0, null, 0.0, 0.5, MixMode.BATCH, true, 0.1, 5));
        float[] x = batch(4);
        float[] before = x.clone();
        MixResult r = m.mix(x, 4, C, H, W, labels(4), new SplittableRandom(18));
        assertArrayEquals(before, x, 0f);
        assertArrayEquals(new float[] {1f, 1f, 1f, 1f}, r.lambdas(), 0f);
    }

    @Test
    void oddBatchIsAClearError() {
        Mixup m = new Mixup(MixupConfig.deit(5));
        UserInputException e = assertThrows(UserInputException.class,
                () -> m.mix(batch(3), 3, C, H, W, labels(3), new SplittableRandom(1)));
        assertTrue(e.getMessage().contains("even batch size"));
    }

    @Test
    void switchProbabilityAndBetaMoments() {
        Mixup m = new Mixup(cfg(0.8, 1.0, MixMode.BATCH));
        SplittableRandom rng = new SplittableRandom(19);
        int n = 4000;
        int cut = 0;
        for (int i = 0; i < n; i++) {
            MixResult r = m.mix(new float[2 * C * H * W], 2, C, H, W, new int[] {0, 1}, rng);
            if (r.boxes()[0] != null) {
                cut++;
            }
        }
        assertEquals(0.5, cut / (double) n, 0.03);
        // Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)).
        for (double a : new double[] {0.8, 1.0}) {
            int k = 200_000;
            double s = 0;
            double ss = 0;
            for (int i = 0; i < k; i++) {
                double v = Draws.beta(rng, a, a);
                assertTrue(v >= 0 && v <= 1);
                s += v;
                ss += v * v;
            }
            double mean = s / k;
            assertEquals(0.5, mean, 0.003, "Beta mean, a=" + a);
            assertEquals(1 / (4 * (2 * a + 1)), ss / k - mean * mean, 0.002, "Beta variance, a=" + a);
        }
    }
}
