package t2t.loader.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import t2t.loader.decode.BadImageException;
import t2t.loader.decode.ImageDecoder;
import t2t.protocol.UserInputException;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * WebDataset tar shards ({@code *.tar} holding {@code KEY.jpg|png} + {@code KEY.cls}). Opening
 * indexes every shard's headers (members' data is stepped over, only the small {@code .cls}
 * members are read), which gives the ids: shard by shard in file-name order, samples in archive
 * order. Two ways to read: {@link #get} by id (a positional read of one member, thread-safe), or
 * {@link #stream} of every {@code parts}-th shard read front to back, so {@code k} loaders taking
 * parts {@code 0..k-1} see every sample exactly once between them. Classes are the labels
 * {@code 0..max}; shards carry no names for them.
 */
public final class WebDataset implements Dataset {
    private static final Logger LOG = LoggerFactory.getLogger(WebDataset.class);

    private final List<Path> shards;
    private final long[] shardStart;
    private final int[] shardOf;
    private final long[] offsets;
    private final int[] sizes;
    private final int[] labels;
    private final String[] names;
    private final int numClasses;
    private final int channels;
    private final ImageDecoder decoder;
    private final FileChannel[] channelsOpen;
    private final SkipLog skips = new SkipLog();
    private final int incomplete;

    private WebDataset(List<Path> shards, long[] shardStart, int[] shardOf, long[] offsets, int[] sizes,
                       int[] labels, String[] names, int channels, ImageDecoder decoder, int incomplete) {
        this.shards = shards;
        this.shardStart = shardStart;
        this.shardOf = shardOf;
        this.offsets = offsets;
        this.sizes = sizes;
        this.labels = labels;
        this.names = names;
        this.numClasses = Arrays.stream(labels).max().orElse(-1) + 1;
        this.channels = channels;
        this.decoder = decoder;
        this.channelsOpen = new FileChannel[shards.size()];
        this.incomplete = incomplete;
    }

    /** Whether {@code path} is a .tar file or a folder (or its split folder) holding .tar files. */
    public static boolean looksLikeShards(Path path) {
        if (Files.isRegularFile(path)) {
            return path.toString().endsWith(".tar");
        }
        return !findShards(path).isEmpty()
                || Arrays.stream(Split.values()).anyMatch(s -> !findShards(path.resolve(s.folder())).isEmpty());
    }

    /** {@code root}: a .tar file, a folder of .tar files, or a folder with train/ and val/ folders of them. */
    public static WebDataset open(Path root, Split split, int channels) {
        List<Path> shards;
        if (Files.isRegularFile(root)) {
            shards = List.of(root);
        } else {
            Path splitDir = root.resolve(split.folder());
            shards = findShards(splitDir);
            if (shards.isEmpty()) {
                shards = findShards(root);
            }
        }
        if (shards.isEmpty()) {
            throw new UserInputException("no .tar shards in " + root + " (nor in " + root.resolve(split.folder())
                    + "): point --data at WebDataset shards or an ImageFolder");
        }
        return open(shards, channels, new ImageDecoder());
    }

    private static List<Path> findShards(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> p.getFileName().toString().endsWith(".tar") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new UserInputException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    public static WebDataset open(List<Path> shards, int channels, ImageDecoder decoder) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        long[] shardStart = new long[shards.size() + 1];
        List<ShardSamples.Member> all = new ArrayList<>();
        List<Integer> shardOf = new ArrayList<>();
        int incomplete = 0;
        for (int s = 0; s < shards.size(); s++) {
            shardStart[s] = all.size();
            try (InputStream in = new BufferedInputStream(Files.newInputStream(shards.get(s)), 1 << 16)) {
                ShardSamples reader = new ShardSamples(in, false);
                for (ShardSamples.Member m = reader.next(); m != null; m = reader.next()) {
                    if (m.complete()) {
                        all.add(m);
                        shardOf.add(s);
                    } else {
                        incomplete++;
                    }
                }
            } catch (IOException e) {
                throw new UserInputException("cannot read shard " + shards.get(s) + " (" + e.getMessage()
                        + "): re-create or remove it", e);
            }
        }
        shardStart[shards.size()] = all.size();
        if (all.isEmpty()) {
            throw new UserInputException("no complete samples (KEY.jpg|png + KEY.cls) in the shards " + shards);
        }
        if (incomplete > 0) {
            LOG.warn("{} keys in {} shards lack an image or a valid .cls label and are not samples", incomplete, shards.size());
        }
        int n = all.size();
        long[] offsets = new long[n];
        int[] sizes = new int[n];
        int[] labels = new int[n];
        String[] names = new String[n];
        for (int i = 0; i < n; i++) {
            ShardSamples.Member m = all.get(i);
            offsets[i] = m.imageOffset();
            sizes[i] = Math.toIntExact(m.imageSize());
            labels[i] = m.label();
            names[i] = m.imageName();
        }
        return new WebDataset(List.copyOf(shards), shardStart, shardOf.stream().mapToInt(Integer::intValue).toArray(),
                offsets, sizes, labels, names, channels, decoder, incomplete);
    }

    public List<Path> shards() {
        return shards;
    }

    public int shardCount() {
        return shards.size();
    }

    /** Ids of shard {@code s} are {@code shardStart(s) .. shardStart(s+1)-1}. */
    public long shardStart(int s) {
        return shardStart[s];
    }

    /** Keys seen without an image or a valid label. */
    public int incompleteKeys() {
        return incomplete;
    }

    @Override
    public int label(long id) {
        return labels[Math.toIntExact(id)];
    }

    @Override
    public long size() {
        return labels.length;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public List<String> classNames() {
        return IntStream.range(0, numClasses).mapToObj(Integer::toString).toList();
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public String source(long id) {
        int i = Math.toIntExact(id);
        return shards.get(shardOf[i]) + "!" + names[i];
    }

    @Override
    public Sample get(long id) {
        int i = Math.toIntExact(id);
        byte[] bytes = new byte[sizes[i]];
        try {
            FileChannel channel = channel(shardOf[i]);
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            long position = offsets[i];
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer, position + buffer.position());
                if (n < 0) {
                    return skips.skip(id, source(id), "shard ends inside the member");
                }
            }
        } catch (IOException e) {
            return skips.skip(id, source(id), "unreadable: " + e);
        }
        return decode(id, bytes, labels[i], source(id));
    }

    private Sample decode(long id, byte[] bytes, int label, String source) {
        try {
            return new Sample.Decoded(id, decoder.decode(bytes, channels), label);
        } catch (BadImageException e) {
            return skips.skip(id, source, e.getMessage());
        }
    }

    private synchronized FileChannel channel(int shard) throws IOException {
        if (channelsOpen[shard] == null) {
            channelsOpen[shard] = FileChannel.open(shards.get(shard), StandardOpenOption.READ);
        }
        return channelsOpen[shard];
    }

    /**
     * Shards {@code part, part+parts, part+2*parts, ...}, each read front to back, decoded as
     * they come. Ids equal those of {@link #get}.
     */
    public SampleStream stream(int part, int parts) {
        if (parts <= 0 || part < 0 || part >= parts) {
            throw new IllegalArgumentException("part " + part + " of " + parts);
        }
        return new ShardStream(part, parts);
    }

    @Override
    public synchronized void close() {
        for (int s = 0; s < channelsOpen.length; s++) {
            if (channelsOpen[s] != null) {
                try {
                    channelsOpen[s].close();
                } catch (IOException e) {
                    LOG.debug("closing {}", shards.get(s), e);
                }
                channelsOpen[s] = null;
            }
        }
    }

    @Override
    public SkipLog skips() {
        return skips;
    }

    private final class ShardStream implements SampleStream {
        private final int parts;
        private int shard;
        private InputStream in;
        private ShardSamples reader;
        private long nextId;
        private Sample next;

        ShardStream(int part, int parts) {
            this.parts = parts;
            this.shard = part - parts;
        }

        @Override
        public boolean hasNext() {
            if (next == null) {
                next = advance();
            }
            return next != null;
        }

        @Override
        public Sample next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Sample s = next;
            next = null;
            return s;
        }

        private Sample advance() {
            try {
                while (true) {
                    if (reader == null) {
                        shard += parts;
                        if (shard >= shards.size()) {
                            return null;
                        }
                        in = new BufferedInputStream(Files.newInputStream(shards.get(shard)), 1 << 16);
                        reader = new ShardSamples(in, true);
                        nextId = shardStart[shard];
                    }
                    ShardSamples.Member m = reader.next();
                    if (m == null) {
                        closeShard();
                        continue;
                    }
                    if (m.complete()) {
                        long id = nextId++;
                        return decode(id, m.image(), m.label(), shards.get(shard) + "!" + m.imageName());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("shard " + shards.get(shard) + " changed since it was indexed", e);
            }
        }

        private void closeShard() throws IOException {
            in.close();
            in = null;
            reader = null;
        }

        @Override
        public void close() {
            if (in != null) {
                try {
                    closeShard();
                } catch (IOException e) {
                    LOG.debug("closing shard stream", e);
                }
            }
        }
    }
}
