package t2t.loader.transform;

import org.junit.jupiter.api.Test;
import t2t.loader.image.Image8;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RandomPadCropTest {
    /** A 28x28 gray image whose pixel (x, y) is 1 + x + 3y (never 0, so padding is visible). */
    private static Image8 ramp() {
        byte[] p = new byte[28 * 28];
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                p[y * 28 + x] = (byte) (1 + x + 3 * y);
            }
        }
        return new Image8(28, 28, 1, p);
    }

    @Test
    void movesPixelsByAShiftOfAtMostThePadAndFillsZeros() {
        RandomPadCrop crop = new RandomPadCrop(32, 32, 2);
        int[][] seen = new int[5][5];
        for (int seed = 0; seed < 2000; seed++) {
            Frame f = new Frame();
            f.load(ramp());
            crop.apply(f, new SplittableRandom(seed));
            assertEquals(32, f.width());
            // Find the shift from the pixel where source (0, 0) landed: centred at (2, 2), then shifted.
            int at = -1;
            for (int i = 0; i < 32 * 32; i++) {
                if ((f.pixels[i] & 0xFF) == 1) {
                    at = i;
                    break;
                }
            }
            int dx = at % 32 - 2;
            int dy = at / 32 - 2;
            assertTrue(Math.abs(dx) <= 2 && Math.abs(dy) <= 2, "shift " + dx + "," + dy);
            seen[dy + 2][dx + 2]++;
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    int sx = x - 2 - dx;
                    int sy = y - 2 - dy;
                    int expect = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? 1 + sx + 3 * sy : 0;
                    assertEquals(expect & 0xFF, f.pixels[y * 32 + x] & 0xFF);
                }
            }
        }
        for (int[] row : seen) {
            for (int n : row) {
                assertTrue(n > 2000 / 25 / 2, "every one of the 25 shifts occurs about equally: " + n);
            }
        }
    }

    @Test
    void aLargerImageIsCentreCroppedByTheSameRule() {
        Frame f = new Frame();
        f.load(ramp());
        new RandomPadCrop(20, 20, 0).apply(f, new SplittableRandom(1));
        assertEquals(1 + 4 + 3 * 4, f.pixels[0] & 0xFF);
    }
}
