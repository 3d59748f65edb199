package t2t.loader.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Groups a shard's tar members into WebDataset samples: consecutive members sharing a key (the
 * path up to the first dot of the file name, as webdataset's {@code base_plus_ext}) form one
 * sample, which needs an image member and a {@code .cls} member (an integer label). Members of
 * other kinds are ignored; a key without both parts is reported as incomplete.
 */
final class ShardSamples {
    static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "webp", "ppm", "bmp");

    /** A complete sample; {@code image} is null when reading headers only. Incomplete: label < 0 or imageSize < 0. */
    record Member(String key, String imageName, long imageOffset, long imageSize, byte[] image, int label) {
        boolean complete() {
            return label >= 0 && imageSize >= 0;
        }
    }

    private final TarEntries entries;
    private final boolean withImages;
    private TarEntries.Entry pending;
    private boolean finished;

    ShardSamples(InputStream in, boolean withImages) {
        this.entries = new TarEntries(in);
        this.withImages = withImages;
    }

    /** The next key's group, complete or not; null at the end. */
    Member next() throws IOException {
        if (finished) {
            return null;
        }
        TarEntries.Entry first = pending != null ? pending : read();
        pending = null;
        if (first == null) {
            finished = true;
            return null;
        }
        String key = key(first.name());
        String imageName = null;
        long imageOffset = -1;
        long imageSize = -1;
        byte[] image = null;
        int label = -1;
        TarEntries.Entry e = first;
        while (e != null && key(e.name()).equals(key)) {
            String ext = extension(e.name());
            if (IMAGE_EXTENSIONS.contains(ext) && imageName == null) {
                imageName = e.name();
                imageOffset = e.offset();
                imageSize = e.size();
                image = e.data();
            } else if (ext.equals("cls")) {
                label = parseLabel(e.data());
            }
            e = read();
        }
        pending = e;
        if (e == null) {
            finished = true;
        }
        return new Member(key, imageName, imageOffset, imageSize, image, label);
    }

    private TarEntries.Entry read() throws IOException {
        return entries.next(name -> {
            String ext = extension(name);
            return ext.equals("cls") || (withImages && IMAGE_EXTENSIONS.contains(ext));
        });
    }

    private static int parseLabel(byte[] data) {
        try {
            int label = Integer.parseInt(new String(data, StandardCharsets.UTF_8).trim());
            return label >= 0 ? label : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static String key(String name) {
        int slash = name.lastIndexOf('/');
        int dot = name.indexOf('.', slash + 1);
        return dot < 0 ? name : name.substring(0, dot);
    }

    static String extension(String name) {
        int slash = name.lastIndexOf('/');
        int dot = name.indexOf('.', slash + 1);
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
