package t2t.loader.transform;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The random draws against their theoretical distributions (fixed seeds; tolerances are several
 * standard errors of the estimate).
 */
class DistributionTest {

    @Test
    void rrcAreaAndLogAspectWhenEveryAttemptFits() {
        // With scale <= 0.2 on a square every first attempt fits, so area ~ U(0.08, 0.2) and
        // log-aspect ~ U(ln 3/4, ln 4/3) (up to the rounding of w and h, ~1/400 here).
        RandomResizedCrop rrc = new RandomResizedCrop(224, 224, 0.08, 0.2, 0.75, 4.0 / 3.0, Interpolation.BICUBIC);
        SplittableRandom rng = new SplittableRandom(7);
        int n = 40_000;
        double sa = 0;
        double saa = 0;
        double sl = 0;
        double sll = 0;
        double sx = 0;
        for (int i = 0; i < n; i++) {
            RandomResizedCrop.Box b = rrc.sample(500, 500, rng);
            assertTrue(b.x() >= 0 && b.y() >= 0 && b.x() + b.width() <= 500 && b.y() + b.height() <= 500);
            double a = b.width() * (double) b.height() / (500 * 500);
            double l = Math.log((double) b.width() / b.height());
            sa += a;
            saa += a * a;
            sl += l;
            sll += l * l;
            sx += b.x() / (double) (500 - b.width());
        }
        double meanA = sa / n;
        double varA = saa / n - meanA * meanA;
        assertEquals(0.14, meanA, 0.002);
        assertEquals(0.12 * 0.12 / 12, varA, 0.0001);
        double range = Math.log(4.0 / 3.0) - Math.log(0.75);
        assertEquals(0.0, sl / n, 0.004);
        assertEquals(range * range / 12, sll / n - (sl / n) * (sl / n), 0.001);
        assertEquals(0.5, sx / n, 0.005, "crop position is uniform");
    }

    @Test
    void rrcDefaultScaleOnAPhotoFallsBackRarely() {
        RandomResizedCrop rrc = new RandomResizedCrop(224, 224, 0.08, 1.0, 0.75, 4.0 / 3.0, Interpolation.BICUBIC);
        SplittableRandom rng = new SplittableRandom(8);
        int n = 20_000;
        int whole = 0;
        double sa = 0;
        for (int i = 0; i < n; i++) {
            RandomResizedCrop.Box b = rrc.sample(500, 375, rng);
            assertTrue(b.width() <= 500 && b.height() <= 375);
            sa += b.width() * (double) b.height() / (500 * 375);
            if (b.width() == 500 && b.height() == 375) {
                whole++;
            }
        }
        // 500x375 is exactly 4/3, inside the ratio range, so the fallback is the whole image. Per
        // attempt, about 28% fail to fit; all 10 fail with probability ~0.28^10, essentially never.
        assertTrue(whole < 20, "fallbacks: " + whole);
        double meanA = sa / n;
        // Large areas are the ones that fail to fit, so the mean accepted area is below 0.54.
        assertTrue(meanA > 0.40 && meanA < 0.54, "mean area " + meanA);
    }

    @Test
    void rrcFallbackForExtremeAspect() {
        RandomResizedCrop rrc = new RandomResizedCrop(224, 224, 0.9, 1.0, 0.75, 4.0 / 3.0, Interpolation.BICUBIC);
        RandomResizedCrop.Box b = rrc.sample(1000, 100, new SplittableRandom(1));
        assertEquals(new RandomResizedCrop.Box(433, 0, 133, 100), b, "h = H, w = round(H * 4/3), centred");
        RandomResizedCrop.Box t = rrc.sample(100, 1000, new SplittableRandom(1));
        assertEquals(new RandomResizedCrop.Box(0, 433, 100, 133), t, "w = W, h = round(W / (3/4))");
    }

    @Test
    void magnitudeIsGaussianClippedToTen() {
        RandAugment ra = RandAugment.parse("rand-m9-mstd0.5-inc1", new int[] {124, 116, 104}, Interpolation.BICUBIC);
        SplittableRandom rng = new SplittableRandom(3);
        int n = 200_000;
        double s = 0;
        int atTen = 0;
        for (int i = 0; i < n; i++) {
            double m = ra.drawMagnitude(rng);
            assertTrue(m >= 0 && m <= 10);
            s += m;
            if (m == 10.0) {
                atTen++;
            }
        }
        // E[min(X, 10)] for X ~ N(9, 0.5): 9 - 0.5 (phi(2) - 2 (1 - Phi(2))) = 8.99576; P(X >= 10) = 0.02275.
        assertEquals(8.99576, s / n, 0.004);
        assertEquals(0.02275, atTen / (double) n, 0.0015);
    }

    @Test
    void opChoiceIsUniformWithReplacementAndHalfAreApplied() {
        RandAugment ra = RandAugment.parse("rand-m9-mstd0.5-inc1", new int[] {124, 116, 104}, Interpolation.RANDOM);
        SplittableRandom rng = new SplittableRandom(4);
        int n = 60_000;
        int[] counts = new int[RandAugmentOp.values().length];
        int applied = 0;
        int same = 0;
        int bicubic = 0;
        int geometric = 0;
        for (int i = 0; i < n; i++) {
            RandAugment.Step[] steps = ra.sample(rng);
            assertEquals(2, steps.length);
            if (steps[0].op() == steps[1].op()) {
                same++;
            }
            for (RandAugment.Step s : steps) {
                counts[s.op().ordinal()]++;
                if (s.applied()) {
                    applied++;
                    if (s.op().geometric()) {
                        geometric++;
                        if (s.filter() == Interpolation.BICUBIC) {
                            bicubic++;
                        }
                    }
                }
            }
        }
        double expected = 2.0 * n / 15;
        double sd = Math.sqrt(2.0 * n * (1.0 / 15) * (14.0 / 15));
        for (RandAugmentOp op : RandAugment.INCREASING_TRANSFORMS) {
            assertEquals(expected, counts[op.ordinal()], 5 * sd, op.timmName);
        }
        assertEquals(0, counts[RandAugmentOp.POSTERIZE.ordinal()], "non-increasing ops are not in the inc list");
        assertEquals(0.5, applied / (2.0 * n), 0.006);
        assertEquals(1.0 / 15, same / (double) n, 0.006, "replace=True: the same op twice");
        assertEquals(0.5, bicubic / (double) geometric, 0.015, "'random' interpolation picks per op call");
    }

    @Test
    void erasingProbabilityAreaAndAspect() {
        RandomErasing re = new RandomErasing(0.25, EraseMode.CONST, 1, 1, 0.02, 0.1, 0.3, 1 / 0.3);
        SplittableRandom rng = new SplittableRandom(5);
        int n = 40_000;
        int erased = 0;
        double sa = 0;
        double sl = 0;
        double sll = 0;
        float[] buf = new float[3 * 64 * 64];
        for (int i = 0; i < n; i++) {
            RandomErasing.Rect r = re.apply(buf, 0, 3, 64, 64, rng);
            if (r != null) {
                erased++;
                sa += r.height() * r.width() / 4096.0;
                double l = Math.log((double) r.height() / r.width());
                sl += l;
                sll += l * l;
            }
        }
        assertEquals(0.25, erased / (double) n, 0.012);
        // At 64x64 rounding of h and w adds ~2% noise to the area; max_area 0.1 keeps every attempt inside.
        assertEquals(0.06, sa / erased, 0.002);
        double range = 2 * Math.log(1 / 0.3);
        assertEquals(0.0, sl / erased, 0.02);
        assertEquals(range * range / 12, sll / erased - (sl / erased) * (sl / erased), 0.03);
    }

    @Test
    void pixelModeFillsWithStandardNormalsInsideTheRectOnly() {
        RandomErasing re = RandomErasing.of(1.0, EraseMode.PIXEL, 1);
        float[] buf = new float[3 * 224 * 224];
        java.util.Arrays.fill(buf, Float.NaN);
        SplittableRandom rng = new SplittableRandom(6);
        double s = 0;
        double ss = 0;
        long cnt = 0;
        for (int k = 0; k < 20; k++) {
            java.util.Arrays.fill(buf, Float.NaN);
            RandomErasing.Rect r = re.apply(buf, 0, 3, 224, 224, rng);
            if (r == null) {
                continue;
            }
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 224; y++) {
                    for (int x = 0; x < 224; x++) {
                        float v = buf[c * 224 * 224 + y * 224 + x];
                        boolean inside = y >= r.top() && y < r.top() + r.height() && x >= r.left() && x < r.left() + r.width();
                        assertEquals(inside, !Float.isNaN(v));
                        if (inside) {
                            s += v;
                            ss += v * v;
                            cnt++;
                        }
                    }
                }
            }
        }
        assertTrue(cnt > 100_000);
        assertEquals(0.0, s / cnt, 0.01);
        assertEquals(1.0, ss / cnt, 0.02);
    }
}
