package t2t.loader.data;

import t2t.loader.image.Image8;
import t2t.loader.sampler.SampleRng;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * A learnable dataset made from a seed, for tests and benchmarks without files. Class {@code c}
 * is an oriented sinusoidal grating (angle and frequency set by the class) tinted with a class
 * colour; each sample adds its own phase, contrast and pixel noise, all drawn from (seed, id), so
 * sample {@code id} is the same image in every run and on every loader. Label = id mod classes.
 */
public final class SyntheticDataset implements Dataset {
    private final long size;
    private final int numClasses;
    private final int width;
    private final int height;
    private final int channels;
    private final long seed;
    private final SkipLog skips = new SkipLog();

    public SyntheticDataset(long size, int numClasses, int width, int height, int channels, long seed) {
        if (size <= 0 || numClasses <= 0 || width <= 0 || height <= 0 || (channels != 1 && channels != 3)) {
            throw new IllegalArgumentException("bad synthetic dataset shape: size " + size + ", classes "
                    + numClasses + ", " + width + "x" + height + "x" + channels);
        }
        this.size = size;
        this.numClasses = numClasses;
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.seed = seed;
    }

    @Override
    public Sample get(long id) {
        if (id < 0 || id >= size) {
            throw new IndexOutOfBoundsException("sample id " + id + " outside 0.." + (size - 1));
        }
        int label = label(id);
        SplittableRandom rng = new SplittableRandom(SampleRng.mix(seed, 0x5E17_4E71L, id));
        double angle = Math.PI * label / numClasses;
        double freq = 2 * Math.PI * (2 + label % 4) / Math.max(width, height);
        double phase = rng.nextDouble(2 * Math.PI);
        double contrast = 70 + rng.nextDouble(40);
        double ca = Math.cos(angle);
        double sa = Math.sin(angle);
        double[] tint = {
                0.6 + 0.4 * Math.cos(2 * Math.PI * label / numClasses),
                0.6 + 0.4 * Math.cos(2 * Math.PI * label / numClasses + 2.1),
                0.6 + 0.4 * Math.cos(2 * Math.PI * label / numClasses + 4.2)};
        byte[] pixels = new byte[width * height * channels];
        int o = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double wave = Math.sin(freq * (x * ca + y * sa) + phase);
                for (int c = 0; c < channels; c++) {
                    double v = (128 + contrast * wave) * (channels == 3 ? tint[c] : 1.0) + rng.nextInt(-12, 13);
                    pixels[o++] = (byte) Math.max(0, Math.min(255, (int) Math.round(v)));
                }
            }
        }
        return new Sample.Decoded(id, new Image8(width, height, channels, pixels), label);
    }

    @Override
    public int label(long id) {
        return (int) (id % numClasses);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public List<String> classNames() {
        return IntStream.range(0, numClasses).mapToObj(i -> "class" + i).toList();
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public String source(long id) {
        return "synthetic#" + id;
    }

    @Override
    public SkipLog skips() {
        return skips;
    }
}
