package t2t.loader.transform;

import java.util.SplittableRandom;

/**
 * torchvision's {@code ColorJitter(b, c, s)} on a PIL image (hue off, as timm sets it from a
 * scalar): factors drawn uniformly from [max(0, 1 - x), 1 + x], applied in a random order
 * ({@code torch.randperm(4)}, hue skipped) through {@code ImageEnhance}. timm uses it only when
 * no RandAugment policy is set.
 */
public record ColorJitter(double brightness, double contrast, double saturation) {

    public void apply(Frame f, SplittableRandom rng) {
        int[] order = {0, 1, 2, 3};
        for (int i = 3; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double b = factor(rng, brightness);
        double c = factor(rng, contrast);
        double s = factor(rng, saturation);
        for (int fn : order) {
            switch (fn) {
                case 0 -> {
                    if (brightness > 0) {
                        PillowEnhance.brightness(f.pixels, f.width, f.height, f.channels, b, f.spare);
                        f.swap();
                    }
                }
                case 1 -> {
                    if (contrast > 0) {
                        PillowEnhance.contrast(f.pixels, f.width, f.height, f.channels, c, f.spare);
                        f.swap();
                    }
                }
                case 2 -> {
                    if (saturation > 0) {
                        PillowEnhance.color(f.pixels, f.width, f.height, f.channels, s, f.scratch, f.spare);
                        f.swap();
                    }
                }
                default -> {
                    // hue is off
                }
            }
        }
    }

    private static double factor(SplittableRandom rng, double x) {
        return x > 0 ? Draws.uniform(rng, Math.max(0, 1 - x), 1 + x) : 1.0;
    }
}
