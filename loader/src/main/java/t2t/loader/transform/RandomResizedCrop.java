package t2t.loader.transform;

import java.util.SplittableRandom;

/**
 * timm's {@code RandomResizedCropAndInterpolation}: the crop box from {@code get_params} (10
 * attempts, then a centre-crop fallback; Python's half-even {@code round}), then Pillow's resize
 * of that box to the output size.
 */
public record RandomResizedCrop(int outWidth, int outHeight, double scaleMin, double scaleMax,
                                double ratioMin, double ratioMax, Interpolation interpolation) {

    /** An integer crop box, {@code (x, y)} its top-left corner. */
    public record Box(int x, int y, int width, int height) {}

    /** timm's {@code get_params} for a {@code width x height} image. */
    public Box sample(int width, int height, SplittableRandom rng) {
        double area = (double) width * height;
        double logLo = Math.log(ratioMin);
        double logHi = Math.log(ratioMax);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = Draws.uniform(rng, scaleMin, scaleMax) * area;
            double aspect = Math.exp(Draws.uniform(rng, logLo, logHi));
            int w = (int) Math.rint(Math.sqrt(target * aspect));
            int h = (int) Math.rint(Math.sqrt(target / aspect));
            // w, h >= 1 is our guard for tiny images (Pillow cannot resize an empty crop).
            if (w <= width && h <= height && w >= 1 && h >= 1) {
                int i = Draws.randint(rng, 0, height - h);
                int j = Draws.randint(rng, 0, width - w);
                return new Box(j, i, w, h);
            }
        }
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < Math.min(ratioMin, ratioMax)) {
            w = width;
            h = (int) Math.rint(w / Math.min(ratioMin, ratioMax));
        } else if (inRatio > Math.max(ratioMin, ratioMax)) {
            h = height;
            w = (int) Math.rint(h * Math.max(ratioMin, ratioMax));
        } else {
            w = width;
            h = height;
        }
        return new Box((width - w) / 2, (height - h) / 2, w, h);
    }

    /** Crops and resizes {@code f} in place; then flips it when {@code flip} is set and draws so. */
    public void apply(Frame f, SplittableRandom rng, HorizontalFlip flip, PillowResample resample) {
        apply(f.pixels, f.width, f.height, f.channels, f, rng, flip, resample);
    }

    /**
     * Crops and resizes the {@code width x height} image in {@code src} into {@code f}. The flip
     * is drawn after the crop (timm's order) and done inside the resize at no cost.
     */
    public void apply(byte[] src, int width, int height, int channels, Frame f, SplittableRandom rng,
                      HorizontalFlip flip, PillowResample resample) {
        Box box = sample(width, height, rng);
        Interpolation filter = interpolation.pick(rng);
        boolean mirror = flip != null && flip.draw(rng);
        int n = outWidth * outHeight * channels;
        if (f.spare.length < n) {
            f.spare = new byte[Math.max(n, f.pixels.length)];
        }
        resample.resize(src, width, channels, box.x(), box.y(), box.width(), box.height(), outWidth, outHeight,
                filter, mirror, f.spare);
        f.swap();
        f.reshape(outWidth, outHeight, channels);
    }
}
