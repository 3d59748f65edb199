package t2t.loader.data;

import org.junit.jupiter.api.Test;
import t2t.loader.image.Image8;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticDatasetTest {

    @Test
    void deterministicPerSeedAndId() {
        SyntheticDataset a = new SyntheticDataset(50, 5, 24, 24, 3, 1);
        SyntheticDataset b = new SyntheticDataset(50, 5, 24, 24, 3, 1);
        SyntheticDataset c = new SyntheticDataset(50, 5, 24, 24, 3, 2);
        Image8 first = ((Sample.Decoded) a.get(7)).image();
        assertArrayEquals(first.pixels(), ((Sample.Decoded) b.get(7)).image().pixels());
        assertFalse(java.util.Arrays.equals(first.pixels(), ((Sample.Decoded) c.get(7)).image().pixels()));
        assertEquals(2, ((Sample.Decoded) a.get(7)).label());
    }

    /** Class 0's grating runs along x, class K/2's along y: orientation separates them. */
    @Test
    void classesDifferInAMeasurableWay() {
        SyntheticDataset ds = new SyntheticDataset(40, 4, 32, 32, 1, 3);
        for (long id = 0; id < 40; id++) {
            Sample.Decoded d = (Sample.Decoded) ds.get(id);
            double dx = 0;
            double dy = 0;
            for (int y = 1; y < 32; y++) {
                for (int x = 1; x < 32; x++) {
                    dx += Math.abs(d.image().get(x, y, 0) - d.image().get(x - 1, y, 0));
                    dy += Math.abs(d.image().get(x, y, 0) - d.image().get(x, y - 1, 0));
                }
            }
            if (d.label() == 0) {
                assertTrue(dx > 2 * dy, "class 0 varies along x: " + dx + " vs " + dy);
            } else if (d.label() == 2) {
                assertTrue(dy > 2 * dx, "class 2 varies along y: " + dx + " vs " + dy);
            }
        }
    }
}
