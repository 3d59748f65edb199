package t2t.ops.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import t2t.loader.data.Dataset;
import t2t.loader.data.Datasets;
import t2t.loader.data.Sample;
import t2t.loader.data.Split;
import t2t.loader.image.Image8;
import t2t.loader.transform.AugmentConfig;
import t2t.loader.transform.DataConfig;
import t2t.loader.transform.Interpolation;
import t2t.loader.transform.SampleTransform;
import t2t.loader.transform.TestPattern;
import t2t.loader.transform.Transforms;
import t2t.protocol.UserInputException;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code t2t augment-preview}: a PNG grid of train-augmented samples, to see what the model sees. */
@Command(name = "augment-preview", mixinStandardHelpOptions = true,
        description = "Write a grid of augmented training samples (RandomResizedCrop, flip, RandAugment, "
                + "RandomErasing) as a PNG.")
public final class AugmentPreviewCommand implements Callable<Integer> {

    @Option(names = "--data", description = "what train --data takes (fashion-mnist, synthetic[:N], an ImageFolder or"
            + " WebDataset shards); default: a built-in synthetic photo")
    String data;

    @Option(names = "--out", description = "output PNG (default: ${DEFAULT-VALUE})", defaultValue = "augment-preview.png")
    Path out;

    @Option(names = "--aa", description = "RandAugment policy, or none (default: ${DEFAULT-VALUE})",
            defaultValue = "rand-m9-mstd0.5-inc1")
    String aa;

    @Option(names = "--n", description = "number of samples (default: ${DEFAULT-VALUE})", defaultValue = "16")
    int count;

    @Option(names = "--seed", description = "random seed (default: ${DEFAULT-VALUE})", defaultValue = "0")
    long seed;

    @Option(names = "--img-size", description = "output size (default: ${DEFAULT-VALUE})", defaultValue = "224")
    int size;

    @Option(names = "--reprob", description = "RandomErasing probability (default: ${DEFAULT-VALUE})", defaultValue = "0.25")
    double reprob;

    @Option(names = "--interpolation", description = "bicubic, bilinear or random (default: ${DEFAULT-VALUE})",
            defaultValue = "bicubic")
    String interpolation;

    @Option(names = "--eval", description = "show the eval transform (resize + centre crop) instead")
    boolean eval;

    @Option(names = "--json", description = "print a JSON summary as the last stdout line")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (count <= 0 || count > 1024) {
            throw new UserInputException("--n must be between 1 and 1024, got " + count);
        }
        if (size < 8 || size > 1024) {
            throw new UserInputException("--img-size must be between 8 and 1024, got " + size);
        }
        if (reprob < 0 || reprob > 1) {
            throw new UserInputException("--reprob must be a probability in [0, 1], got " + reprob);
        }
        DataConfig config = DataConfig.imagenet(size);
        AugmentConfig augment = AugmentConfig.deit()
                .withAutoAugment(aa)
                .withReProb(reprob)
                .withInterpolation(Interpolation.parse(interpolation));
        SampleTransform transform = eval ? Transforms.eval(config) : Transforms.train(config, augment);
        int cols = (int) Math.ceil(Math.sqrt(count));
        int rows = (count + cols - 1) / cols;
        int gap = 2;
        BufferedImage grid = new BufferedImage(cols * (size + gap) + gap, rows * (size + gap) + gap, BufferedImage.TYPE_INT_RGB);
        float[] buf = new float[3 * size * size];
        List<Image8> images = data == null ? List.of(TestPattern.photo(500, 375, 3, seed)) : samples(data, count, seed);
        for (int i = 0; i < count; i++) {
            transform.apply(images.get(i % images.size()), new SplittableRandom(seed * 1_000_003L + i), buf, 0);
            int ox = gap + (i % cols) * (size + gap);
            int oy = gap + (i / cols) * (size + gap);
            paint(grid, buf, config, ox, oy);
        }
        File target = out.toAbsolutePath().toFile();
        if (target.getParentFile() != null) {
            target.getParentFile().mkdirs();
        }
        if (!ImageIO.write(grid, "png", target)) {
            throw new IllegalStateException("no PNG writer in this JDK");
        }
        System.err.println("wrote " + count + " samples to " + target);
        if (json) {
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("out", target.toString());
            summary.put("samples", count);
            summary.put("source", data == null ? "synthetic" : data);
            summary.put("aa", aa);
            summary.put("eval", eval);
            Json.print(summary);
        }
        return 0;
    }

    /** Un-normalizes (v * std + mean) for display; RandomErasing noise shows as colour static. */
    private static void paint(BufferedImage grid, float[] chw, DataConfig config, int ox, int oy) {
        int h = config.height();
        int w = config.width();
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    float v = chw[c * plane + y * w + x] * config.std()[c] + config.mean()[c];
                    int b = Math.max(0, Math.min(255, Math.round(v * 255f)));
                    rgb = (rgb << 8) | b;
                }
                grid.setRGB(ox + x, oy + y, rgb);
            }
        }
    }

    /**
     * Up to {@code count} training images of {@code data}, opened and decoded as training does (the
     * loader's datasets and decoder; gray data as RGB), at seeded random positions so the preview
     * shows more than the first class. Bad files are passed over, as training skips them.
     */
    private static List<Image8> samples(String data, int count, long seed) {
        try (Dataset d = Datasets.open(data, Split.TRAIN, 3, seed)) {
            SplittableRandom pick = new SplittableRandom(seed);
            List<Image8> out = new ArrayList<>();
            for (int tries = 0; out.size() < Math.min(count, d.size()) && tries < 4 * count; tries++) {
                if (d.get(pick.nextLong(d.size())) instanceof Sample.Decoded s) {
                    out.add(s.image());
                }
            }
            if (out.isEmpty()) {
                throw new UserInputException("--data " + data + ": no sample decoded (" + d.skips().count()
                        + " refused); check the files with ./t2t train --data " + data);
            }
            return out;
        }
    }
}
