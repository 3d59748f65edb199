package t2t.loader.transform;

import org.junit.jupiter.api.Test;
import t2t.protocol.UserInputException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RandAugmentParseTest {
    private static final int[] FILL = {124, 116, 104};

    private static RandAugment parse(String s) {
        return RandAugment.parse(s, FILL, Interpolation.BICUBIC);
    }

    @Test
    void deitPolicy() {
        RandAugment ra = parse("rand-m9-mstd0.5-inc1");
        assertEquals(9.0, ra.magnitude());
        assertEquals(0.5, ra.magnitudeStd());
        assertEquals(2, ra.layers());
        assertEquals(0.5, ra.prob());
        assertEquals(10.0, ra.magnitudeMax());
        assertSame(RandAugment.INCREASING_TRANSFORMS, ra.ops());
    }

    @Test
    void keysInAnyOrderAndDefaults() {
        RandAugment a = parse("rand-n3-m9");
        assertEquals(3, a.layers());
        assertEquals(0.0, a.magnitudeStd());
        assertEquals(RandAugment.TRANSFORMS, a.ops());
        RandAugment b = parse("rand-m9-n2-mstd0.5");
        assertEquals(2, b.layers());
        assertEquals(0.5, b.magnitudeStd());
        RandAugment c = parse("rand");
        assertEquals(10.0, c.magnitude());
        RandAugment d = parse("rand-m7-mmax12-p0.8-mstd101");
        assertEquals(12.0, d.magnitudeMax());
        assertEquals(0.8, d.prob());
        assertEquals(Double.POSITIVE_INFINITY, d.magnitudeStd());
    }

    @Test
    void inc0StillSelectsIncreasingAsPythonBoolOfStringIsTrue() {
        assertEquals(RandAugment.INCREASING_TRANSFORMS, parse("rand-m9-inc0").ops());
    }

    @Test
    void badPoliciesAreUserErrors() {
        assertThrows(UserInputException.class, () -> parse("auto-m9"));
        assertThrows(UserInputException.class, () -> parse("rand-x9"));
        assertThrows(UserInputException.class, () -> parse("rand-m9-p1.5"));
    }

    @Test
    void levelToArgumentMatchesTimmTables() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
        assertEquals(1.0, RandAugmentOp.POSTERIZE_INCREASING.argument(9.0, rng));
        assertEquals(0.0, RandAugmentOp.POSTERIZE_INCREASING.argument(10.0, rng));
        assertEquals(4.0, RandAugmentOp.POSTERIZE_INCREASING.argument(0.0, rng));
        assertEquals(3.0, RandAugmentOp.POSTERIZE.argument(9.0, rng));
        assertEquals(26.0, RandAugmentOp.SOLARIZE_INCREASING.argument(9.0, rng));
        assertEquals(230.0, RandAugmentOp.SOLARIZE.argument(9.0, rng));
        assertEquals(99.0, RandAugmentOp.SOLARIZE_ADD.argument(9.0, rng));
        assertEquals(1.72, RandAugmentOp.COLOR.argument(9.0, rng), 1e-12);
        for (int i = 0; i < 50; i++) {
            double f = RandAugmentOp.SHARPNESS_INCREASING.argument(9.0, rng);
            assertEquals(0.81, Math.abs(f - 1.0), 1e-12);
            assertEquals(27.0, Math.abs(RandAugmentOp.ROTATE.argument(9.0, rng)), 1e-12);
            assertEquals(0.27, Math.abs(RandAugmentOp.SHEAR_X.argument(9.0, rng)), 1e-12);
            assertEquals(0.405, Math.abs(RandAugmentOp.TRANSLATE_Y_REL.argument(9.0, rng)), 1e-12);
        }
        // At m = 10 the negative branch is 1 - 0.9 (a hair under 0.1 in doubles): clamped to 0.1.
        java.util.Set<Double> seen = new java.util.HashSet<>();
        for (int i = 0; i < 64; i++) {
            seen.add(RandAugmentOp.BRIGHTNESS_INCREASING.argument(10.0, rng));
        }
        assertEquals(java.util.Set.of(0.1, 1.9), seen);
    }
}
