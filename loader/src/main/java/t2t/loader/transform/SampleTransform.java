package t2t.loader.transform;

import t2t.loader.image.Image8;

import java.util.SplittableRandom;

/**
 * One sample's whole transform, decoded image in, normalized float CHW out. The random source is
 * made by the caller from (seed, epoch, sample id), so a sample is augmented the same whichever
 * loader or thread runs it.
 */
public interface SampleTransform {
    /** Writes {@code outChannels * outHeight * outWidth} floats (CHW) into {@code out} at {@code offset}. */
    void apply(Image8 image, SplittableRandom rng, float[] out, int offset);

    int outChannels();

    int outHeight();

    int outWidth();
}
