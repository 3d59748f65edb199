package t2t.loader.transform;

import t2t.protocol.UserInputException;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * timm's {@code RandAugment} built from a policy string ({@code rand_augment_transform}):
 * {@code rand-m9-mstd0.5-inc1}, {@code rand-n3-m9}, ... Per image it picks {@code layers} ops
 * with replacement; each runs with probability {@code prob}, with a fresh magnitude
 * {@code gauss(m, mstd)} (uniform in [0, m] when mstd > 100) clipped to [0, mmax or 10].
 *
 * @param fill the colour geometric ops leave outside the image, one value per channel (timm:
 *     {@code round(255 * mean)})
 * @param interpolation bicubic or bilinear; {@link Interpolation#RANDOM} picks per op call
 */
public record RandAugment(List<RandAugmentOp> ops, int layers, double magnitude, double magnitudeStd,
                          double magnitudeMax, double prob, int[] fill, Interpolation interpolation) {

    /** timm's {@code _RAND_TRANSFORMS}. */
    public static final List<RandAugmentOp> TRANSFORMS = List.of(
            RandAugmentOp.AUTO_CONTRAST, RandAugmentOp.EQUALIZE, RandAugmentOp.INVERT, RandAugmentOp.ROTATE,
            RandAugmentOp.POSTERIZE, RandAugmentOp.SOLARIZE, RandAugmentOp.SOLARIZE_ADD, RandAugmentOp.COLOR,
            RandAugmentOp.CONTRAST, RandAugmentOp.BRIGHTNESS, RandAugmentOp.SHARPNESS, RandAugmentOp.SHEAR_X,
            RandAugmentOp.SHEAR_Y, RandAugmentOp.TRANSLATE_X_REL, RandAugmentOp.TRANSLATE_Y_REL);

    /** timm's {@code _RAND_INCREASING_TRANSFORMS}. */
    public static final List<RandAugmentOp> INCREASING_TRANSFORMS = List.of(
            RandAugmentOp.AUTO_CONTRAST, RandAugmentOp.EQUALIZE, RandAugmentOp.INVERT, RandAugmentOp.ROTATE,
            RandAugmentOp.POSTERIZE_INCREASING, RandAugmentOp.SOLARIZE_INCREASING, RandAugmentOp.SOLARIZE_ADD,
            RandAugmentOp.COLOR_INCREASING, RandAugmentOp.CONTRAST_INCREASING, RandAugmentOp.BRIGHTNESS_INCREASING,
            RandAugmentOp.SHARPNESS_INCREASING, RandAugmentOp.SHEAR_X, RandAugmentOp.SHEAR_Y,
            RandAugmentOp.TRANSLATE_X_REL, RandAugmentOp.TRANSLATE_Y_REL);

    private static final Pattern SECTION = Pattern.compile("([^\\d]*)(\\d.*)");

    public RandAugment {
        ops = List.copyOf(ops);
        fill = fill.clone();
    }

    /**
     * Parses a timm policy string. Keys: {@code m} (int magnitude, default 10), {@code n} (ops per
     * image, default 2), {@code mstd} (magnitude noise; > 100 means uniform), {@code mmax} (clip
     * bound, default 10), {@code inc} (increasing op list; any value, even {@code inc0}, turns it on,
     * as Python's {@code bool('0')} is True), {@code p} (per-op probability, default 0.5).
     */
    public static RandAugment parse(String policy, int[] fill, Interpolation interpolation) {
        String[] parts = policy.trim().split("-");
        if (!parts[0].equals("rand")) {
            throw new UserInputException("unknown augmentation policy '" + policy
                    + "': use a RandAugment string such as rand-m9-mstd0.5-inc1, or none");
        }
        double magnitude = LEVEL_MAX;
        int layers = 2;
        double std = 0.0;
        double max = LEVEL_MAX;
        double prob = 0.5;
        List<RandAugmentOp> ops = TRANSFORMS;
        for (int i = 1; i < parts.length; i++) {
            Matcher m = SECTION.matcher(parts[i]);
            if (!m.matches()) {
                continue;
            }
            String key = m.group(1);
            String val = m.group(2);
            try {
                switch (key.toLowerCase(Locale.ROOT)) {
                    case "mstd" -> {
                        std = Double.parseDouble(val);
                        if (std > 100) {
                            std = Double.POSITIVE_INFINITY;
                        }
                    }
                    case "mmax" -> {
                        // timm: magnitude_max or _LEVEL_DENOM, so mmax0 means the default 10.
                        int v = Integer.parseInt(val);
                        max = v == 0 ? LEVEL_MAX : v;
                    }
                    case "inc" -> ops = INCREASING_TRANSFORMS;
                    case "m" -> magnitude = Integer.parseInt(val);
                    case "n" -> layers = Integer.parseInt(val);
                    case "p" -> prob = Double.parseDouble(val);
                    default -> throw new UserInputException("unknown RandAugment section '" + parts[i] + "' in '"
                            + policy + "': keys are m, n, mstd, mmax, inc, p (e.g. rand-m9-mstd0.5-inc1)");
                }
            } catch (NumberFormatException e) {
                throw new UserInputException("bad number in RandAugment section '" + parts[i] + "' of '" + policy
                        + "' (e.g. rand-m9-mstd0.5-inc1)");
            }
        }
        if (layers < 0 || prob < 0 || prob > 1 || std < 0) {
            throw new UserInputException("RandAugment '" + policy + "' needs n >= 0, 0 <= p <= 1, mstd >= 0");
        }
        return new RandAugment(ops, layers, magnitude, std, max, prob, fill, interpolation);
    }

    private static final double LEVEL_MAX = RandAugmentOp.LEVEL_DENOM;

    /** timm's {@code AugmentOp.__call__} magnitude: noise, then clip to [0, magnitudeMax]. */
    public double drawMagnitude(SplittableRandom rng) {
        double m = magnitude;
        if (magnitudeStd == Double.POSITIVE_INFINITY) {
            m = Draws.uniform(rng, 0, magnitude);
        } else if (magnitudeStd > 0) {
            m = magnitude + magnitudeStd * Draws.normal(rng);
        }
        return Math.max(0.0, Math.min(m, magnitudeMax));
    }

    /**
     * One planned op: {@code applied} is false when its p-draw skipped it (no magnitude drawn then,
     * as in timm); otherwise the magnitude, the argument it became, and the concrete filter.
     */
    public record Step(RandAugmentOp op, boolean applied, double magnitude, double argument, Interpolation filter) {}

    /** Draws one image's ops and their arguments, in timm's order of draws. */
    public Step[] sample(SplittableRandom rng) {
        int count = ops.size();
        RandAugmentOp[] chosen = new RandAugmentOp[layers];
        for (int i = 0; i < layers; i++) {
            chosen[i] = ops.get(rng.nextInt(count));
        }
        Step[] steps = new Step[layers];
        for (int i = 0; i < layers; i++) {
            RandAugmentOp op = chosen[i];
            if (prob < 1.0 && rng.nextDouble() > prob) {
                steps[i] = new Step(op, false, Double.NaN, Double.NaN, null);
                continue;
            }
            double m = drawMagnitude(rng);
            double arg = op.argument(m, rng);
            Interpolation filter = op.geometric() ? interpolation.pick(rng) : interpolation;
            steps[i] = new Step(op, true, m, arg, filter);
        }
        return steps;
    }

    /** Runs planned steps on {@code f} in place. */
    public void run(Frame f, Step[] steps) {
        for (Step s : steps) {
            if (s.applied()) {
                s.op().apply(f, s.argument(), s.filter(), fill);
            }
        }
    }

    /** Augments {@code f} in place. */
    public void apply(Frame f, SplittableRandom rng) {
        run(f, sample(rng));
    }
}
