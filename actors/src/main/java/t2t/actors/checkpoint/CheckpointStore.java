package t2t.actors.checkpoint;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import t2t.protocol.UserInputException;
import t2t.protocol.wire.CheckpointManifest;
import t2t.protocol.wire.FileDigest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoints under {@code <dir>/step-N/}, never half-written: files go to a temp folder, each is
 * fsynced, a manifest with every file's SHA-256 is written last, the folder is renamed into place,
 * then the {@code latest} pointer is replaced atomically. The last K are kept. Reading verifies
 * every digest; a corrupt checkpoint is reported and the previous valid one is used.
 */
public final class CheckpointStore {
    /** 2: the manifest carries a seal (format 1 had none, so a manifest cut between fields passed). */
    public static final int FORMAT = 2;
    public static final String MANIFEST = "manifest.pb";
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    private static final Pattern STEP_DIR = Pattern.compile("step-(\\d+)");
    private static final String TEMP_PREFIX = ".tmp-step-";
    private static final String LATEST_TEMP = ".latest.tmp";

    private final Path dir;
    private final int keep;

    public CheckpointStore(Path dir, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1");
        }
        this.dir = dir;
        this.keep = keep;
    }

    public Path dir() {
        return dir;
    }

    /** A checkpoint's content: named files (relative paths) and the manifest's scalar fields. */
    public record Content(long step, long epoch, String configJson, String weightsSha256, Map<String, byte[]> files) {}

    /** A verified checkpoint read back. */
    public record Loaded(Path path, CheckpointManifest manifest, Map<String, byte[]> files) {
        public byte[] file(String name) {
            byte[] b = files.get(name);
            if (b == null) {
                throw new UserInputException("checkpoint " + path + " has no '" + name + "': it was written by an "
                        + "incompatible version; start a new run or point --resume at another checkpoint");
            }
            return b;
        }
    }

    /**
     * Writes {@code c} as {@code step-N}. On failure (a full disk, say) the temp folder is removed,
     * the checkpoints already there are untouched, and the error names the file and the cause.
     */
    public Path write(Content c) {
        Path tmp = null;
        Path current = dir;
        try {
            Files.createDirectories(dir);
            Path finalDir = dir.resolve(folderName(c.step()));
            tmp = Files.createTempDirectory(dir, TEMP_PREFIX + (c.step() + 1) + "-");
            CheckpointManifest.Builder m = CheckpointManifest.newBuilder()
                    .setFormat(FORMAT)
                    .setStep(c.step())
                    .setEpoch(c.epoch())
                    .setConfigJson(c.configJson())
                    .setWeightsSha256(c.weightsSha256())
                    .setWrittenAtMs(System.currentTimeMillis());
            for (Map.Entry<String, byte[]> e : c.files().entrySet()) {
                current = tmp.resolve(e.getKey());
                Files.createDirectories(current.getParent());
                writeSynced(current, e.getValue());
                m.addFiles(FileDigest.newBuilder().setPath(e.getKey()).setSha256(sha256(e.getValue()))
                        .setSize(e.getValue().length));
            }
            current = tmp.resolve(MANIFEST);
            writeSynced(current, sealed(m.build().toByteArray()));
            fsyncDir(tmp);
            current = finalDir;
            if (Files.exists(finalDir)) {
                deleteTree(finalDir);
            }
            Files.move(tmp, finalDir, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            fsyncDir(dir);
            current = dir.resolve(LATEST_TEMP);
            writeSynced(current, finalDir.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            moveAtomic(current, dir.resolve("latest"));
            fsyncDir(dir);
            prune();
            return finalDir;
        } catch (IOException e) {
            removeQuietly(tmp);
            removeQuietly(dir.resolve(LATEST_TEMP));
            throw DiskFailure.of("cannot write checkpoint step " + c.step(), current, e);
        }
    }

    /**
     * Removes what a run that stopped while writing a checkpoint left behind (temp folders, a temp
     * {@code latest}); returns how many. Call it before a run writes here, never while one does.
     */
    public int removeUnfinished() {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.startsWith(TEMP_PREFIX) || name.equals(LATEST_TEMP)) {
                    deleteTree(p);
                    removed++;
                }
            }
        } catch (IOException e) {
            throw DiskFailure.of("cannot remove unfinished checkpoints", dir, e);
        }
        return removed;
    }

    /** The manifest's bytes followed by its seal, the SHA-256 of those bytes in the highest-numbered field. */
    private static byte[] sealed(byte[] body) {
        byte[] seal = CheckpointManifest.newBuilder().setManifestSha256(sha256(body)).build().toByteArray();
        byte[] out = Arrays.copyOf(body, body.length + seal.length);
        System.arraycopy(seal, 0, out, body.length, seal.length);
        return out;
    }

    /** True when {@code bytes} end with the seal of what precedes it (parsed as {@code m}). */
    private static boolean sealHolds(byte[] bytes, CheckpointManifest m) {
        if (m.getManifestSha256().isEmpty()) {
            return false;
        }
        byte[] seal = CheckpointManifest.newBuilder().setManifestSha256(m.getManifestSha256()).build().toByteArray();
        int bodyLength = bytes.length - seal.length;
        return bodyLength >= 0
                && Arrays.equals(bytes, bodyLength, bytes.length, seal, 0, seal.length)
                && sha256(Arrays.copyOf(bytes, bodyLength)).equals(m.getManifestSha256());
    }

    /**
     * {@code step-N} with N the steps trained, as metrics.jsonl counts them; the manifest keeps the
     * last step's 0-based index, which resuming reads. Folders from versions that named them by that
     * index still list and load (their order is the same).
     */
    static String folderName(long lastStepIndex) {
        return "step-" + (lastStepIndex + 1);
    }

    /** Step folders, newest first. */
    public List<Path> list() {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (Files.isDirectory(p) && STEP_DIR.matcher(p.getFileName().toString()).matches()) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(Comparator.comparingLong(CheckpointStore::stepOf).reversed());
        return out;
    }

    private static long stepOf(Path p) {
        Matcher m = STEP_DIR.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * The newest checkpoint that verifies; corrupt ones are logged and skipped. Empty when there is
     * no checkpoint folder at all. When there are some and none verifies, it fails naming each and
     * what is wrong with it, since starting afresh would silently write over them.
     */
    public Optional<Loaded> loadLatestValid() {
        List<String> unusable = new ArrayList<>();
        for (Path p : list()) {
            try {
                return Optional.of(load(p));
            } catch (UserInputException e) {
                unusable.add(e.getMessage());
                LOG.warn("{}; falling back to the previous checkpoint", e.getMessage());
            }
        }
        if (unusable.isEmpty()) {
            return Optional.empty();
        }
        throw new UserInputException("no checkpoint in " + dir + " is usable (" + String.join("; ", unusable)
                + "): move them away to start afresh, or point --resume at a good copy");
    }

    /** Reads and verifies one checkpoint folder; a corrupt or foreign one fails with what to do. */
    public static Loaded load(Path checkpointDir) {
        Path manifestPath = checkpointDir.resolve(MANIFEST);
        CheckpointManifest m;
        byte[] manifestBytes;
        try {
            manifestBytes = Files.readAllBytes(manifestPath);
            m = CheckpointManifest.parseFrom(manifestBytes);
        } catch (NoSuchFileException e) {
            throw new UserInputException("checkpoint " + checkpointDir + " has no " + MANIFEST
                    + ": not a t2t checkpoint folder, or it was never finished");
        } catch (IOException e) {
            throw new UserInputException("checkpoint " + checkpointDir + " is unreadable (" + e.getMessage() + ")");
        }
        if (m.getFormat() != FORMAT) {
            throw new UserInputException("checkpoint " + checkpointDir + " has format " + m.getFormat()
                    + "; this build reads format " + FORMAT);
        }
        if (!sealHolds(manifestBytes, m)) {
            throw new UserInputException("checkpoint " + checkpointDir + " is corrupt: its " + MANIFEST
                    + " is cut short or altered (its seal does not match)");
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (FileDigest d : m.getFilesList()) {
            byte[] b;
            try {
                b = Files.readAllBytes(checkpointDir.resolve(d.getPath()));
            } catch (IOException e) {
                throw new UserInputException("checkpoint " + checkpointDir + " is corrupt: " + d.getPath() + " is missing");
            }
            if (b.length != d.getSize() || !sha256(b).equals(d.getSha256())) {
                throw new UserInputException("checkpoint " + checkpointDir + " is corrupt: " + d.getPath()
                        + " does not match its checksum");
            }
            files.put(d.getPath(), b);
        }
        return new Loaded(checkpointDir, m, files);
    }

    private void prune() throws IOException {
        List<Path> all = list();
        for (int i = keep; i < all.size(); i++) {
            deleteTree(all.get(i));
        }
    }

    public static String sha256(byte[] b) {
        return HexFormat.of().formatHex(digest().digest(b));
    }

    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writeSynced(Path f, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
    }

    private static void fsyncDir(Path d) {
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Some file systems cannot open directories for sync; the renames are still atomic.
        }
    }

    private static void moveAtomic(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void removeQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            deleteTree(p);
        } catch (IOException e) {
            LOG.warn("cannot remove {} ({}); the next run removes it at start", p, e.toString());
        }
    }

    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
