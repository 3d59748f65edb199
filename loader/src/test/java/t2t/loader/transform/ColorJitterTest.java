package t2t.loader.transform;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ColorJitterTest {

    @Test
    void brightnessOnlyIsOneBlendWithAFactorInRange() {
        Frame f = new Frame();
        f.load(TestPattern.photo(30, 20, 3, 1));
        byte[] before = java.util.Arrays.copyOf(f.pixels, f.size());
        new ColorJitter(0.4, 0, 0).apply(f, new SplittableRandom(3));
        // Find the factor that reproduces the result among Pillow brightness blends with f in [0.6, 1.4].
        boolean found = false;
        byte[] candidate = new byte[before.length];
        for (int k = 0; k <= 8000 && !found; k++) {
            double factor = 0.6 + 0.8 * k / 8000.0;
            PillowEnhance.brightness(before, 30, 20, 3, factor, candidate);
            found = java.util.Arrays.equals(candidate, java.util.Arrays.copyOf(f.pixels, f.size()));
        }
        assertTrue(found, "result is a Pillow brightness blend with a factor in [0.6, 1.4]");
    }

    @Test
    void zeroStrengthIsIdentityAndOrderIsRandom() {
        Frame f = new Frame();
        f.load(TestPattern.photo(30, 20, 3, 2));
        byte[] before = java.util.Arrays.copyOf(f.pixels, f.size());
        new ColorJitter(0, 0, 0).apply(f, new SplittableRandom(1));
        assertArrayEquals(before, java.util.Arrays.copyOf(f.pixels, f.size()));
        // Different seeds give different results with all three on (order and factors vary).
        java.util.Set<String> outcomes = new java.util.HashSet<>();
        for (int s = 0; s < 10; s++) {
            Frame g = new Frame();
            g.load(TestPattern.photo(30, 20, 3, 2));
            new ColorJitter(0.4, 0.4, 0.4).apply(g, new SplittableRandom(s));
            outcomes.add(java.util.Arrays.toString(java.util.Arrays.copyOf(g.pixels, g.size())));
        }
        assertEquals(10, outcomes.size());
    }
}
