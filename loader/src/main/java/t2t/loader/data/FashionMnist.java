package t2t.loader.data;

import t2t.loader.image.Channels;
import t2t.loader.image.Image8;
import t2t.protocol.UserInputException;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST from its IDX files ({@code train-images-idx3-ubyte.gz} and friends, gzipped or
 * not), held in memory (47 MB for train). Found at an explicit path, else under {@code $T2T_DATA}
 * (the files directly or in a {@code fashion-mnist/} subfolder), else where Debian's
 * {@code dataset-fashion-mnist} package installs them.
 */
public final class FashionMnist implements Dataset {
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private final byte[] images;
    private final byte[] labels;
    private final int rows;
    private final int cols;
    private final int channels;
    private final String sourceName;
    private final SkipLog skips = new SkipLog();

    private FashionMnist(byte[] images, byte[] labels, int rows, int cols, int channels, String sourceName) {
        this.images = images;
        this.labels = labels;
        this.rows = rows;
        this.cols = cols;
        this.channels = channels;
        this.sourceName = sourceName;
    }

    /** @param explicitDir a folder holding the IDX files, or null to search $T2T_DATA and Debian's path */
    public static FashionMnist open(Path explicitDir, Split split, int channels) {
        return open(explicitDir, System.getenv("T2T_DATA"), split, channels);
    }

    static FashionMnist open(Path explicitDir, String t2tData, Split split, int channels) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        Path dir = locate(explicitDir, t2tData);
        String prefix = split == Split.TRAIN ? "train" : "t10k";
        Path imagesFile = idxFile(dir, prefix + "-images-idx3-ubyte");
        Path labelsFile = idxFile(dir, prefix + "-labels-idx1-ubyte");
        try {
            int[] imageDims = new int[3];
            byte[] images = readIdx(imagesFile, IMAGES_MAGIC, imageDims);
            int[] labelDims = new int[1];
            byte[] labels = readIdx(labelsFile, LABELS_MAGIC, labelDims);
            if (imageDims[0] != labelDims[0]) {
                throw new UserInputException(imagesFile + " holds " + imageDims[0] + " images but " + labelsFile
                        + " holds " + labelDims[0] + " labels: re-download the Fashion-MNIST files");
            }
            for (byte label : labels) {
                if ((label & 0xFF) >= CLASSES.size()) {
                    throw new UserInputException(labelsFile + " has label " + (label & 0xFF) + ", expected 0..9");
                }
            }
            return new FashionMnist(images, labels, imageDims[1], imageDims[2], channels, imagesFile.toString());
        } catch (IOException e) {
            throw new UserInputException("cannot read Fashion-MNIST file under " + dir + " (" + e.getMessage()
                    + "): re-download it, or pass --data PATH", e);
        }
    }

    /** The first folder, in search order, that holds the train images file. */
    static Path locate(Path explicitDir, String t2tData) {
        List<Path> candidates = new ArrayList<>();
        if (explicitDir != null) {
            candidates.add(explicitDir);
        } else {
            if (t2tData != null && !t2tData.isBlank()) {
                candidates.add(Path.of(t2tData));
                candidates.add(Path.of(t2tData, "fashion-mnist"));
            }
            candidates.add(DEBIAN_DIR);
        }
        for (Path dir : candidates) {
            if (idxFileOrNull(dir, "train-images-idx3-ubyte") != null) {
                return dir;
            }
        }
        throw new UserInputException("Fashion-MNIST not found (looked in " + candidates
                + "): install it with 'apt-get install dataset-fashion-mnist', or pass --data PATH to a folder"
                + " with train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz");
    }

    private static Path idxFile(Path dir, String stem) {
        Path file = idxFileOrNull(dir, stem);
        if (file == null) {
            throw new UserInputException("Fashion-MNIST folder " + dir + " lacks " + stem + ".gz: re-download the dataset");
        }
        return file;
    }

    private static Path idxFileOrNull(Path dir, String stem) {
        for (String name : new String[] {stem + ".gz", stem}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /** Reads an unsigned-byte IDX file; {@code dims} receives its dimensions. */
    private static byte[] readIdx(Path file, int magic, int[] dims) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(
                     file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16))) {
            int found = in.readInt();
            if (found != magic) {
                throw new IOException(String.format("bad IDX magic 0x%08x, expected 0x%08x", found, magic));
            }
            long total = 1;
            for (int i = 0; i < dims.length; i++) {
                dims[i] = in.readInt();
                total *= dims[i];
            }
            byte[] data = new byte[Math.toIntExact(total)];
            in.readFully(data);
            return data;
        }
    }

    @Override
    public long size() {
        return labels.length;
    }

    @Override
    public int numClasses() {
        return CLASSES.size();
    }

    @Override
    public List<String> classNames() {
        return CLASSES;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int label(long id) {
        return labels[Math.toIntExact(id)];
    }

    @Override
    public Sample get(long id) {
        int i = Math.toIntExact(id);
        int n = rows * cols;
        byte[] pixels = new byte[n];
        System.arraycopy(images, i * n, pixels, 0, n);
        Image8 gray = new Image8(cols, rows, 1, pixels);
        return new Sample.Decoded(id, Channels.convert(gray, channels), labels[i]);
    }

    @Override
    public String source(long id) {
        return sourceName + "#" + id;
    }

    @Override
    public SkipLog skips() {
        return skips;
    }
}
