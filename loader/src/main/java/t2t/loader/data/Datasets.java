package t2t.loader.data;

import t2t.protocol.UserInputException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The dataset a {@code --data} value names: {@code fashion-mnist} (found as {@link FashionMnist}
 * searches), {@code synthetic} or {@code synthetic:N} (N samples, 10 classes, 32x32), or a path:
 * a folder of Fashion-MNIST IDX files, WebDataset {@code .tar} shards, or an ImageFolder.
 */
public final class Datasets {
    public static final int SYNTHETIC_DEFAULT_SIZE = 10_000;

    private Datasets() {}

    public static Dataset open(String data, Split split, int channels, long seed) {
        if (data == null || data.isBlank()) {
            throw new UserInputException("--data is empty: give fashion-mnist, synthetic[:N], or a dataset folder");
        }
        if (data.equals("fashion-mnist")) {
            return FashionMnist.open(null, split, channels);
        }
        if (data.equals("synthetic") || data.startsWith("synthetic:")) {
            long size = SYNTHETIC_DEFAULT_SIZE;
            if (data.startsWith("synthetic:")) {
                try {
                    size = Long.parseLong(data.substring("synthetic:".length()));
                } catch (NumberFormatException e) {
                    throw new UserInputException("--data " + data + ": expected synthetic:N with N a sample count");
                }
            }
            if (size <= 0) {
                throw new UserInputException("--data " + data + ": the sample count must be positive");
            }
            // The eval split is a disjoint id range of the same generator, so it measures generalisation.
            long splitSeed = split == Split.TRAIN ? seed : seed ^ 0x7E57L;
            return new SyntheticDataset(split == Split.TRAIN ? size : Math.max(1, size / 5), 10, 32, 32, channels, splitSeed);
        }
        Path path = Path.of(data);
        if (!Files.exists(path)) {
            throw new UserInputException("--data " + data + " does not exist: give fashion-mnist, synthetic[:N],"
                    + " or a folder (ImageFolder class subfolders, or WebDataset .tar shards)");
        }
        if (Files.isRegularFile(path.resolve("train-images-idx3-ubyte.gz")) || Files.isRegularFile(path.resolve("train-images-idx3-ubyte"))) {
            return FashionMnist.open(path, split, channels);
        }
        if (WebDataset.looksLikeShards(path)) {
            return WebDataset.open(path, split, channels);
        }
        return ImageFolder.open(path, split, channels);
    }
}
