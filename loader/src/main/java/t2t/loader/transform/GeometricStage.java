package t2t.loader.transform;

import java.util.SplittableRandom;

/** Stage 1: train (RandomResizedCrop, then flip when set) or eval (resize + centre crop). */
public record GeometricStage(RandomResizedCrop crop, HorizontalFlip flip, ResizeCenterCrop evalCrop) {

    void apply(Frame f, SplittableRandom rng, PillowResample resample) {
        if (crop != null) {
            crop.apply(f, rng, resample);
        }
        if (evalCrop != null) {
            evalCrop.apply(f, resample);
        }
        if (flip != null) {
            flip.apply(f, rng);
        }
    }
}
