package t2t.model.optim;

/**
 * The learning rate as a pure function of the optimizer step: timm's {@code CosineLRScheduler}
 * stepped per update (the {@code sched_on_updates} path of {@code create_scheduler_v2}, cycle limit
 * 1, no noise, k-decay 1). With {@code t = step} and everything counted in steps
 * ({@code epochs * stepsPerEpoch}):
 * <ul>
 *   <li>{@code t < warmup}: {@code warmupLr + t * (baseLr - warmupLr) / warmup};</li>
 *   <li>else {@code minLr + (baseLr - minLr) * (1 + cos(pi * t' / T)) / 2} with {@code t' = t}
 *       ({@code t - warmup} with {@code warmupPrefix}) and {@code T = epochs} in steps;</li>
 *   <li>{@code t' >= T}: {@code minLr} (the cooldown epochs, and beyond).</li>
 * </ul>
 * Like timm without {@code warmup_prefix}, the cosine runs from step 0, so the warmup covers its
 * first part. {@code step} is the number of updates already applied: step 0's lr drives the first
 * update.
 *
 * @param epochs cosine length in epochs ({@code --epochs}); cooldown comes after it
 * @param cooldownEpochs epochs at {@code minLr} after the cosine (timm's default 10)
 */
public record CosineSchedule(
        double baseLr, double warmupLr, double minLr,
        double epochs, double warmupEpochs, double cooldownEpochs,
        long stepsPerEpoch, boolean warmupPrefix) {

    public CosineSchedule {
        if (stepsPerEpoch <= 0 || !(epochs > 0) || warmupEpochs < 0 || cooldownEpochs < 0) {
            throw new IllegalArgumentException("schedule needs epochs > 0, steps per epoch > 0, warmup and cooldown >= 0");
        }
        if (!(baseLr >= 0) || !(warmupLr >= 0) || !(minLr >= 0)) {
            throw new IllegalArgumentException("learning rates must be >= 0");
        }
    }

    /** T2T-ViT's recipe shape: warmup from 1e-6, cooldown 10 epochs, no warmup prefix. */
    public static CosineSchedule of(double baseLr, double minLr, double epochs, double warmupEpochs, long stepsPerEpoch) {
        return new CosineSchedule(baseLr, 1e-6, minLr, epochs, warmupEpochs, 10, stepsPerEpoch, false);
    }

    public long warmupSteps() {
        return Math.round(warmupEpochs * stepsPerEpoch);
    }

    public long cosineSteps() {
        return Math.round(epochs * stepsPerEpoch);
    }

    /** Steps in the whole run: cosine plus cooldown. */
    public long totalSteps() {
        return cosineSteps() + Math.round(cooldownEpochs * stepsPerEpoch);
    }

    public double lr(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        long warmup = warmupSteps();
        if (step < warmup) {
            return warmupLr + step * ((baseLr - warmupLr) / warmup);
        }
        long t = warmupPrefix ? step - warmup : step;
        long period = cosineSteps();
        if (t >= period) {
            return minLr;
        }
        return minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos(Math.PI * t / period));
    }

    public String describe() {
        return String.format(
                "cosine %.3g -> %.3g over %s (warmup %s from %.3g%s)%s; %d steps/epoch, %d steps in all",
                baseLr, minLr, epochs(epochs), epochs(warmupEpochs), warmupLr, warmupPrefix ? ", prefix" : "",
                cooldownEpochs > 0 ? ", then " + epochs(cooldownEpochs) + " at the floor" : "", stepsPerEpoch, totalSteps());
    }

    private static String epochs(double d) {
        String n = d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
        return n + (d == 1 ? " epoch" : " epochs");
    }
}
