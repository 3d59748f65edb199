package t2t.loader.transform;

import java.util.SplittableRandom;

/** {@code RandomHorizontalFlip(p)}: mirrors left-right with probability {@code p}. */
public record HorizontalFlip(double p) {

    /** The flip decision for one image (one draw, as timm's {@code random() < p}). */
    public boolean draw(SplittableRandom rng) {
        return rng.nextDouble() < p;
    }

    public void apply(Frame f, SplittableRandom rng) {
        if (draw(rng)) {
            flip(f);
        }
    }

    static void flip(Frame f) {
        PillowResample.mirrorRows(f.pixels, f.width, f.height, f.channels);
    }
}
