package t2t.loader.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import t2t.loader.decode.BadImageException;
import t2t.loader.decode.ImageDecoder;
import t2t.protocol.UserInputException;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * torchvision's {@code ImageFolder} layout: one subfolder per class, classes sorted by name and
 * numbered from 0, image files found recursively (links followed) in torchvision's order (folder
 * path, then file name). Files are
 * kept by extension as torchvision does ({@code IMG_EXTENSIONS}); other files are ignored and
 * counted. A root holding {@code train/} or {@code val/} is read per split. Files are read and
 * decoded at {@link #get}, so a bad file costs nothing until its turn and is then a counted skip.
 */
public final class ImageFolder implements Dataset {
    private static final Logger LOG = LoggerFactory.getLogger(ImageFolder.class);

    /** torchvision.datasets.folder.IMG_EXTENSIONS. */
    public static final Set<String> EXTENSIONS =
            Set.of("jpg", "jpeg", "png", "ppm", "bmp", "pgm", "tif", "tiff", "webp");

    private final Path dir;
    private final List<String> classes;
    private final Path[] files;
    private final int[] labels;
    private final int channels;
    private final ImageDecoder decoder;
    private final List<Path> ignored;
    private final SkipLog skips = new SkipLog();

    private ImageFolder(Path dir, List<String> classes, Path[] files, int[] labels, int channels,
                        ImageDecoder decoder, List<Path> ignored) {
        this.dir = dir;
        this.classes = classes;
        this.files = files;
        this.labels = labels;
        this.channels = channels;
        this.decoder = decoder;
        this.ignored = ignored;
    }

    /** The split's folder under {@code root} when {@code root/train} or {@code root/val} exists, else {@code root} itself. */
    public static ImageFolder open(Path root, Split split, int channels) {
        return open(splitDir(root, split), channels, new ImageDecoder());
    }

    public static Path splitDir(Path root, Split split) {
        boolean hasSplits = Files.isDirectory(root.resolve(Split.TRAIN.folder()))
                || Files.isDirectory(root.resolve(Split.VAL.folder()));
        if (!hasSplits) {
            return root;
        }
        Path dir = root.resolve(split.folder());
        if (!Files.isDirectory(dir)) {
            throw new UserInputException("dataset " + root + " has no " + split.folder()
                    + "/ folder: add one, or point --data at a folder of class subfolders");
        }
        return dir;
    }

    public static ImageFolder open(Path dir, int channels, ImageDecoder decoder) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        if (!Files.isDirectory(dir)) {
            throw new UserInputException("dataset folder " + dir + " does not exist: give --data a folder of class subfolders");
        }
        List<String> classes = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            entries.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().forEach(classes::add);
        } catch (IOException e) {
            throw new UserInputException("cannot list dataset folder " + dir + ": " + e.getMessage(), e);
        }
        if (classes.isEmpty()) {
            throw new UserInputException("no class folders in " + dir + ": expected " + dir + "/<class>/<image files>");
        }
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<Path> ignored = new ArrayList<>();
        List<String> empty = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            List<Path> found = new ArrayList<>();
            try (Stream<Path> walk = Files.walk(dir.resolve(classes.get(c)), FileVisitOption.FOLLOW_LINKS)) {
                walk.filter(p -> !Files.isDirectory(p)).forEach(found::add);
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new UserInputException("cannot walk class folder " + dir.resolve(classes.get(c)) + ": " + e.getMessage(), e);
            }
            // torchvision: sorted(os.walk(class_dir)) then sorted(fnames): by folder path, then name.
            found.sort(Comparator.comparing((Path p) -> p.getParent().toString())
                    .thenComparing(p -> p.getFileName().toString()));
            int before = files.size();
            for (Path p : found) {
                if (EXTENSIONS.contains(extension(p))) {
                    files.add(p);
                    labels.add(c);
                } else {
                    ignored.add(p);
                }
            }
            if (files.size() == before) {
                empty.add(classes.get(c));
            }
        }
        if (!empty.isEmpty() && empty.size() < classes.size()) {
            // An empty folder would still be a class: an output the model is trained never to give,
            // and label numbers shifted against a dataset without it. torchvision refuses it too.
            throw new UserInputException("class folder(s) " + String.join(", ", empty) + " in " + dir
                    + " hold no image files (" + String.join(", ", EXTENSIONS.stream().sorted().toList())
                    + "): add images or remove the folder(s)");
        }
        if (files.isEmpty()) {
            throw new UserInputException("no image files (" + String.join(", ", EXTENSIONS.stream().sorted().toList())
                    + ") under the class folders of " + dir);
        }
        if (!ignored.isEmpty()) {
            LOG.info("{}: ignoring {} files without an image extension, e.g. {}", dir, ignored.size(), ignored.get(0));
        }
        return new ImageFolder(dir, List.copyOf(classes), files.toArray(Path[]::new),
                labels.stream().mapToInt(Integer::intValue).toArray(), channels, decoder, List.copyOf(ignored));
    }

    private static String extension(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    public Path dir() {
        return dir;
    }

    @Override
    public int label(long id) {
        return labels[Math.toIntExact(id)];
    }

    /** Files under the class folders that were not taken as samples (no image extension). */
    public List<Path> ignoredFiles() {
        return ignored;
    }

    @Override
    public long size() {
        return files.length;
    }

    @Override
    public int numClasses() {
        return classes.size();
    }

    @Override
    public List<String> classNames() {
        return classes;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public String source(long id) {
        return files[Math.toIntExact(id)].toString();
    }

    /** The file's bytes, or null if it cannot be read (then {@link #get} skips it). */
    public byte[] readBytes(long id) {
        try {
            return Files.readAllBytes(files[Math.toIntExact(id)]);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public Sample get(long id) {
        Path file = files[Math.toIntExact(id)];
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            return skips.skip(id, file.toString(), "unreadable: " + e);
        }
        try {
            return new Sample.Decoded(id, decoder.decode(bytes, channels), labels[(int) id]);
        } catch (BadImageException e) {
            return skips.skip(id, file.toString(), e.getMessage());
        }
    }

    @Override
    public SkipLog skips() {
        return skips;
    }
}
