package t2t.loader.transform;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The unrolled RGB horizontal pass gives the general loop's bytes for every crop, size, filter and flip. */
class PillowResampleUnrolledTest {

    @Test
    void unrolledEqualsGeneralLoop() {
        SplittableRandom r = new SplittableRandom(7);
        PillowResample fast = new PillowResample();
        PillowResample general = new PillowResample();
        general.unrolled = false;
        int covered = 0;
        for (int i = 0; i < 600; i++) {
            int w = 8 + r.nextInt(500);
            int h = 8 + r.nextInt(400);
            byte[] src = new byte[w * h * 3];
            for (int j = 0; j < src.length; j++) {
                src[j] = (byte) r.nextInt(256);
            }
            int cw = 1 + r.nextInt(w);
            int ch = 1 + r.nextInt(h);
            int cx = r.nextInt(w - cw + 1);
            int cy = r.nextInt(h - ch + 1);
            int ow = 1 + r.nextInt(260);
            int oh = 1 + r.nextInt(260);
            Interpolation filter = r.nextBoolean() ? Interpolation.BICUBIC : Interpolation.BILINEAR;
            boolean mirror = r.nextBoolean();
            byte[] a = new byte[ow * oh * 3];
            byte[] b = new byte[ow * oh * 3];
            fast.resize(src, w, 3, cx, cy, cw, ch, ow, oh, filter, mirror, a);
            general.resize(src, w, 3, cx, cy, cw, ch, ow, oh, filter, mirror, b);
            assertArrayEquals(b, a, () -> "crop " + cw + "x" + ch + " -> " + ow + "x" + oh + " " + filter + " mirror " + mirror);
            int ks = fast.horizontalKernelSize();
            if (cw != ow && cw >= ks && (ks == 5 || ks == 7 || ks == 9)) {
                covered++;
            }
        }
        // the random cases must actually exercise the unrolled windows, not only the general loop
        org.junit.jupiter.api.Assertions.assertTrue(covered > 100, "unrolled cases: " + covered);
    }
}
