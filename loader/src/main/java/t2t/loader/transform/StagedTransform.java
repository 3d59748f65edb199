package t2t.loader.transform;

import t2t.loader.image.Image8;

import java.util.SplittableRandom;

/**
 * The three stages composed into a {@link SampleTransform}. The input is first converted to the
 * model's channel count, as Pillow's {@code convert} would: gray is replicated to RGB, RGB becomes
 * Pillow's "L". So a 1-channel model augments a gray image with Pillow's "L" semantics (every op
 * per channel on the one channel; Color is the identity). Thread-safe: each thread gets its own
 * buffers.
 */
public final class StagedTransform implements SampleTransform {
    private final GeometricStage geometric;
    private final PhotometricStage photometric;
    private final TensorStage tensor;
    private final int channels;
    private final int height;
    private final int width;
    private final ThreadLocal<Workspace> workspace = ThreadLocal.withInitial(Workspace::new);

    private static final class Workspace {
        final Frame frame = new Frame();
        final PillowResample resample = new PillowResample();
    }

    public StagedTransform(GeometricStage geometric, PhotometricStage photometric, TensorStage tensor,
                           int channels, int height, int width) {
        this.geometric = geometric;
        this.photometric = photometric;
        this.tensor = tensor;
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    @Override
    public void apply(Image8 image, SplittableRandom rng, float[] out, int offset) {
        Frame f = augment8(image, rng);
        tensor.apply(f, rng, out, offset);
    }

    /**
     * Stages 1 and 2 only: the augmented 8-bit image, in this thread's reused frame (valid until the
     * thread's next call).
     */
    public Frame augment8(Image8 image, SplittableRandom rng) {
        Workspace ws = workspace.get();
        Frame f = ws.frame;
        geometric.apply(image, channels, f, rng, ws.resample);
        photometric.apply(f, rng);
        if (f.width != width || f.height != height) {
            throw new IllegalStateException("geometric stage produced " + f.width + "x" + f.height
                    + ", expected " + width + "x" + height);
        }
        return f;
    }

    static void load(Image8 image, Frame f, int channels) {
        if (image.channels() == channels) {
            f.load(image);
            return;
        }
        int w = image.width();
        int h = image.height();
        f.reshape(w, h, channels);
        byte[] src = image.pixels();
        int n = w * h;
        if (channels == 3) {
            for (int i = 0; i < n; i++) {
                byte g = src[i];
                f.pixels[3 * i] = g;
                f.pixels[3 * i + 1] = g;
                f.pixels[3 * i + 2] = g;
            }
        } else {
            for (int i = 0; i < n; i++) {
                f.pixels[i] = (byte) PillowEnhance.gray(src[3 * i] & 0xFF, src[3 * i + 1] & 0xFF, src[3 * i + 2] & 0xFF);
            }
        }
    }

    public GeometricStage geometric() {
        return geometric;
    }

    public PhotometricStage photometric() {
        return photometric;
    }

    public TensorStage tensor() {
        return tensor;
    }

    @Override
    public int outChannels() {
        return channels;
    }

    @Override
    public int outHeight() {
        return height;
    }

    @Override
    public int outWidth() {
        return width;
    }
}
