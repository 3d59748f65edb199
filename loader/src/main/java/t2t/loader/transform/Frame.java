package t2t.loader.transform;

/**
 * The image being augmented: 8-bit HWC in {@link #pixels}, with a same-sized {@link #spare} so an
 * op writes there and {@link #swap}s. Held per thread and reused, so a sample allocates nothing.
 */
public final class Frame {
    int width;
    int height;
    int channels;
    byte[] pixels = new byte[0];
    byte[] spare = new byte[0];
    byte[] scratch = new byte[0];

    /** Sizes the frame (contents undefined) for a {@code width x height x channels} image. */
    void reshape(int width, int height, int channels) {
        this.width = width;
        this.height = height;
        this.channels = channels;
        int n = width * height * channels;
        if (pixels.length < n) {
            pixels = java.util.Arrays.copyOf(pixels, n);
        }
        if (spare.length < n) {
            spare = new byte[n];
        }
        if (scratch.length < n) {
            scratch = new byte[n];
        }
    }

    int size() {
        return width * height * channels;
    }

    void swap() {
        byte[] t = pixels;
        pixels = spare;
        spare = t;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int channels() {
        return channels;
    }

    /** A copy as an {@link t2t.loader.image.Image8}. */
    public t2t.loader.image.Image8 toImage() {
        return new t2t.loader.image.Image8(width, height, channels, java.util.Arrays.copyOf(pixels, size()));
    }

    /** Loads {@code image} into this frame. */
    public void load(t2t.loader.image.Image8 image) {
        reshape(image.width(), image.height(), image.channels());
        System.arraycopy(image.pixels(), 0, pixels, 0, size());
    }
}
