package t2t.loader.transform;

import t2t.loader.image.Image8;

import java.util.SplittableRandom;

/** Stage 1: train (RandomResizedCrop, then flip when set, fused into the resize) or eval (resize + centre crop). */
public record GeometricStage(RandomResizedCrop crop, HorizontalFlip flip, ResizeCenterCrop evalCrop,
                             RandomPadCrop padCrop) {

    public GeometricStage(RandomResizedCrop crop, HorizontalFlip flip, ResizeCenterCrop evalCrop) {
        this(crop, flip, evalCrop, null);
    }

    /** Leaves the result in {@code f}; reads {@code image} directly when no channel conversion is needed. */
    void apply(Image8 image, int channels, Frame f, SplittableRandom rng, PillowResample resample) {
        if (crop != null && image.channels() == channels) {
            // Straight from the decoded pixels: no copy of the full-size image.
            crop.apply(image.pixels(), image.width(), image.height(), channels, f, rng, flip, resample);
            return;
        }
        StagedTransform.load(image, f, channels);
        if (crop != null) {
            crop.apply(f, rng, flip, resample);
            return;
        }
        if (evalCrop != null) {
            evalCrop.apply(f, resample);
        }
        if (padCrop != null) {
            padCrop.apply(f, rng);
        }
        if (flip != null) {
            flip.apply(f, rng);
        }
    }
}
