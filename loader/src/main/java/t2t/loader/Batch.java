package t2t.loader;

/**
 * An assembled, augmented and mixed batch, engine-free: plain arrays a worker wraps into its
 * own tensors. Row {@code i} is sample {@code sampleIds[i]} (repeat {@code copies[i]}).
 *
 * <p>Skipped (bad) samples are not padded: the batch shrinks to {@code size()} rows and their ids
 * are in {@code skippedIds}, so exactly-once accounting still sees every id of the slice as
 * consumed (duplicating a good sample to pad would train it twice). Consumers must read
 * {@code size()}, not the planned slice size; a batch may even be empty.
 *
 * @param pixels   NCHW floats, {@code size()*channels*height*width}, normalized by the transform
 * @param labels   hard labels, one per row
 * @param targets  soft targets, {@code size()*numClasses} (mixed, or one-hot with smoothing)
 * @param mix      what the mixer did
 */
public record Batch(int epoch, long step, int slice, int channels, int height, int width, int numClasses,
                    float[] pixels, int[] labels, float[] targets, long[] sampleIds, int[] copies,
                    long[] skippedIds, MixParams mix) {
    public Batch {
        int n = labels.length;
        if (sampleIds.length != n || copies.length != n) {
            throw new IllegalArgumentException("labels, ids and copies differ in length");
        }
        if (pixels.length != (long) n * channels * height * width) {
            throw new IllegalArgumentException("pixels has " + pixels.length + " floats, expected " + n + "x" + channels
                    + "x" + height + "x" + width);
        }
        if (targets.length != (long) n * numClasses) {
            throw new IllegalArgumentException("targets has " + targets.length + " floats, expected " + n + "x" + numClasses);
        }
    }

    public int size() {
        return labels.length;
    }
}
