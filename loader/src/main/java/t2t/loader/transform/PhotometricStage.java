package t2t.loader.transform;

import java.util.SplittableRandom;

/** Stage 2: RandAugment, or ColorJitter when no policy is set; empty for eval. */
public record PhotometricStage(RandAugment randAugment, ColorJitter colorJitter) {

    void apply(Frame f, SplittableRandom rng) {
        if (randAugment != null) {
            randAugment.apply(f, rng);
        } else if (colorJitter != null) {
            colorJitter.apply(f, rng);
        }
    }
}
