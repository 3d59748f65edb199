package t2t.actors.collective;

import t2t.actors.runtime.ShardRange;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The same-host transport, like NCCL's SHM one: every rank maps one file of its own under /dev/shm and the files of
 * its peers. A rank publishes the parts of its vector other ranks own into its file, reduces its own shard by reading
 * the peers' files (in rank order, so the sum order is fixed), writes the result into its file, and copies the other
 * shards' results out of their owners' files. {@link #allReduceBuffer} skips the copies in and out (its vector
 * already lives in the file) and the owner writes results into every rank's vector. Progress counters in each file's header, written with release and read with acquire
 * semantics, let every chunk move as soon as it is ready, so publishing, adding and gathering overlap across ranks.
 * No kernel call on the data path.
 *
 * <p>File layout: a header of 64-byte lines (one value per line, so spinning readers do not share a cache line with
 * a writer), then at {@link #dataOffset} the staging area of the float[] calls and the {@link #buffer()} vector,
 * {@code maxElements} native-order floats each.
 */
final class ShmCollective extends AbstractCollective {
    private static final long MAGIC = 0x543254534D303031L;
    private static final int LINE = 64;
    private static final int SLOT_MAGIC = 0;
    private static final int SLOT_WORLD = 1;
    private static final int SLOT_CAPACITY = 2;
    /** Length of the vector of the call in progress, so ranks that disagree fail instead of mixing data. */
    private static final int SLOT_LENGTH = 3;
    /** Number of the last call this rank finished: until every peer has, nobody may overwrite its file. */
    private static final int SLOT_DONE = 4;
    /** Chunks of this rank's own shard whose result (or, in all-gather, whose value) is in its file. */
    private static final int SLOT_OWN_READY = 5;
    /** Set once this rank has mapped every peer's file. */
    private static final int SLOT_MAPPED = 6;
    /** Then one line per shard s: chunks of shard s this rank has published for its owner. */
    private static final int SLOT_PUBLISHED = 7;
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    /** Busy-wait about a microsecond or two before sleeping: most waits on a quiet machine end within it. */
    private static final int SPINS_BEFORE_PARK = 1 << 10;
    private static final long PARK_NANOS = 20_000;

    private final CollectiveConfig cfg;
    private final int n;
    private final int r;
    private final MappedByteBuffer[] maps;
    /** Staging areas of the float[] calls, by rank. */
    private final FloatBuffer[] floats;
    /** The {@link #buffer()} vectors, by rank: apart from the staging areas, so the two kinds of call can mix. */
    private final FloatBuffer[] buffers;
    private final float[] acc;
    private final float[] tmp;
    private long seq;
    private boolean closed;

    private ShmCollective(CollectiveConfig cfg, MappedByteBuffer[] maps) {
        super(cfg, Transport.SHM);
        this.cfg = cfg;
        this.n = cfg.worldSize();
        this.r = cfg.rank();
        this.maps = maps;
        this.floats = new FloatBuffer[n];
        this.buffers = new FloatBuffer[n];
        int off = dataOffset(n);
        int bufferOff = off + cfg.maxElements() * Float.BYTES;
        for (int p = 0; p < n; p++) {
            floats[p] = maps[p].duplicate().position(off).limit(bufferOff).slice().order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            buffers[p] = maps[p].duplicate().position(bufferOff).slice().order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
        this.acc = new float[cfg.chunkFloats()];
        this.tmp = new float[cfg.chunkFloats()];
        this.seq = (long) LONGS.getAcquire(maps[r], slot(SLOT_DONE));
    }

    static Path directory() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    static Path file(String session, int rank) {
        return directory().resolve("t2t-collective-" + session + "-" + rank);
    }

    /** Creates this rank's file (complete before it appears under its name) and maps every peer's once it exists. */
    static ShmCollective open(CollectiveConfig cfg) throws IOException, InterruptedException {
        int n = cfg.worldSize();
        // Pages of tmpfs are only allocated when touched: a group that uses one kind of call pays for one area.
        long size = dataOffset(n) + 2L * cfg.maxElements() * Float.BYTES;
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shared-memory transport maps at most 2 GiB per rank; maxElements "
                    + cfg.maxElements() + " is too many");
        }
        Path mine = file(cfg.session(), cfg.rank());
        Path tmpFile = mine.resolveSibling(mine.getFileName() + ".tmp");
        MappedByteBuffer[] maps = new MappedByteBuffer[n];
        try (RandomAccessFile f = new RandomAccessFile(tmpFile.toFile(), "rw")) {
            f.setLength(0);
            f.setLength(size);
            maps[cfg.rank()] = f.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size);
        }
        MappedByteBuffer m = maps[cfg.rank()];
        m.order(ByteOrder.nativeOrder());
        LONGS.setRelease(m, slot(SLOT_WORLD), (long) n);
        LONGS.setRelease(m, slot(SLOT_CAPACITY), (long) cfg.maxElements());
        LONGS.setRelease(m, slot(SLOT_MAGIC), MAGIC);
        Files.move(tmpFile, mine, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        long deadline = System.nanoTime() + cfg.timeout().toNanos();
        for (int p = 0; p < n; p++) {
            if (p == cfg.rank()) {
                continue;
            }
            Path theirs = file(cfg.session(), p);
            while (!Files.exists(theirs) || Files.size(theirs) != size) {
                if (System.nanoTime() > deadline) {
                    Files.deleteIfExists(mine);
                    throw new CollectiveException("rank " + p + " did not create " + theirs + " within " + cfg.timeout());
                }
                Thread.sleep(5);
            }
            try (RandomAccessFile f = new RandomAccessFile(theirs.toFile(), "rw")) {
                maps[p] = f.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size);
            }
            maps[p].order(ByteOrder.nativeOrder());
            if ((long) LONGS.getAcquire(maps[p], slot(SLOT_MAGIC)) != MAGIC
                    || (long) LONGS.getAcquire(maps[p], slot(SLOT_WORLD)) != n
                    || (long) LONGS.getAcquire(maps[p], slot(SLOT_CAPACITY)) != cfg.maxElements()) {
                Files.deleteIfExists(mine);
                throw new CollectiveException(theirs + " belongs to a different group (world size or capacity differ)");
            }
        }
        // Once every rank has mapped every file the names can go: the mappings keep the memory, and a rank killed
        // later leaves nothing behind in /dev/shm.
        LONGS.setRelease(m, slot(SLOT_MAPPED), 1L);
        for (int p = 0; p < n; p++) {
            while ((long) LONGS.getAcquire(maps[p], slot(SLOT_MAPPED)) != 1L) {
                if (System.nanoTime() > deadline) {
                    Files.deleteIfExists(mine);
                    throw new CollectiveException("rank " + p + " did not map the group's files within " + cfg.timeout());
                }
                Thread.sleep(1);
            }
        }
        Files.deleteIfExists(mine);
        return new ShmCollective(cfg, maps);
    }

    private static int dataOffset(int n) {
        int header = (SLOT_PUBLISHED + n) * LINE;
        return (header + 4095) & ~4095;
    }

    private static int slot(int i) {
        return i * LINE;
    }

    @Override
    public long droppedChunks() {
        return 0;
    }

    @Override
    public void allReduce(float[] data, int length, boolean average) {
        List<ShardRange> shards = begin(data, length);
        int chunks = maxChunks(shards);
        // Phase by phase rather than chunk by chunk: a rank then rarely waits (its peers published everything before
        // they started adding), which matters more on a loaded machine, where a waiting rank loses its core, than
        // the cache reuse that strict chunk lockstep would give. Counters still let an owner start on the first chunk.
        for (int c = 0; c < chunks; c++) {
            publishOthers(shards, data, c);
        }
        for (int c = 0; c < chunks; c++) {
            reduceOwn(shards.get(r), data, c, average, true);
        }
        for (int c = 0; c < chunks; c++) {
            gatherOthers(shards, data, c);
        }
        finish();
    }

    @Override
    public FloatBuffer buffer() {
        return buffers[r].duplicate().clear();
    }

    /**
     * The inputs already sit in every rank's file. The owner of each shard sums the ranks' inputs (rank order) and
     * writes the result straight into every rank's vector, its own included: each rank reads and writes its share
     * once, and there is no gather copy. Writing into a peer's shard-r chunk right after reading it is safe: no one
     * else reads that range during the call.
     */
    @Override
    public void allReduceBuffer(int length, boolean average) {
        List<ShardRange> shards = begin(cfg.maxElements(), length);
        for (int k = 1; k < n; k++) {
            ShardRange s = shards.get((r + k) % n);
            LONGS.setRelease(maps[r], slot(SLOT_PUBLISHED + s.shard()), progress(chunks(s)));
        }
        ShardRange own = shards.get(r);
        for (int c = 0; c < chunks(own); c++) {
            int a = own.offset() + c * cfg.chunkFloats();
            int len = Math.min(cfg.chunkFloats(), own.end() - a);
            sumChunk(buffers, null, a, len, c, average);
            for (int p = 0; p < n; p++) {
                buffers[p].put(a, acc, 0, len);
            }
        }
        finish();
    }

    private int chunks(ShardRange s) {
        return (s.length() + cfg.chunkFloats() - 1) / cfg.chunkFloats();
    }

    @Override
    public ShardRange reduceScatter(float[] data, int length, boolean average) {
        List<ShardRange> shards = begin(data, length);
        int chunks = maxChunks(shards);
        for (int c = 0; c < chunks; c++) {
            publishOthers(shards, data, c);
        }
        for (int c = 0; c < chunks; c++) {
            reduceOwn(shards.get(r), data, c, average, false);
        }
        finish();
        return shards.get(r);
    }

    @Override
    public void allGather(float[] data, int length) {
        List<ShardRange> shards = begin(data, length);
        int chunks = maxChunks(shards);
        ShardRange own = shards.get(r);
        for (int c = 0; c < chunks; c++) {
            int a = own.offset() + c * cfg.chunkFloats();
            int len = Math.min(cfg.chunkFloats(), own.end() - a);
            if (len > 0) {
                floats[r].put(a, data, a, len);
                LONGS.setRelease(maps[r], slot(SLOT_OWN_READY), progress(c + 1));
            }
            gatherOthers(shards, data, c);
        }
        finish();
    }

    private List<ShardRange> begin(float[] data, int length) {
        return begin(data.length, length);
    }

    private List<ShardRange> begin(int capacity, int length) {
        if (closed) {
            throw new IllegalStateException("collective closed");
        }
        if (length > cfg.maxElements() || length > capacity || length < n) {
            throw new IllegalArgumentException("length " + length + " outside " + n + " .. min(" + cfg.maxElements()
                    + ", " + capacity + ")");
        }
        seq++;
        // Peers may still be reading this rank's file for the previous call until they say they are done.
        for (int p = 0; p < n; p++) {
            if (p != r) {
                await(p, SLOT_DONE, seq - 1, "finish call " + (seq - 1));
            }
        }
        LONGS.setRelease(maps[r], slot(SLOT_LENGTH), (long) length);
        return ShardRange.split(length, n);
    }

    /**
     * Says this rank is done with the call, then waits until every peer is: only then may anyone (this rank's caller
     * writing into {@link #buffer()} included) overwrite what a peer might still be reading.
     */
    private void finish() {
        LONGS.setRelease(maps[r], slot(SLOT_DONE), seq);
        for (int p = 0; p < n; p++) {
            if (p != r) {
                await(p, SLOT_DONE, seq, "finish call " + seq);
            }
        }
    }

    private int maxChunks(List<ShardRange> shards) {
        return (shards.get(0).length() + cfg.chunkFloats() - 1) / cfg.chunkFloats();
    }

    /** Counter value meaning "chunks 0 .. count-1 of call seq are ready": calls never go back, so stale ones are smaller. */
    private long progress(int count) {
        return (seq << 32) | count;
    }

    private void publishOthers(List<ShardRange> shards, float[] data, int c) {
        for (int k = 1; k < n; k++) {
            ShardRange s = shards.get((r + k) % n);
            int a = s.offset() + c * cfg.chunkFloats();
            int len = Math.min(cfg.chunkFloats(), s.end() - a);
            if (len > 0) {
                floats[r].put(a, data, a, len);
                LONGS.setRelease(maps[r], slot(SLOT_PUBLISHED + s.shard()), progress(c + 1));
            }
        }
    }

    /** Sums chunk c of this rank's shard of the staging areas (its own part from {@code data}) into {@code acc}. */
    private void reduceOwn(ShardRange own, float[] data, int c, boolean average, boolean publishResult) {
        int a = own.offset() + c * cfg.chunkFloats();
        int len = Math.min(cfg.chunkFloats(), own.end() - a);
        if (len <= 0) {
            return;
        }
        sumChunk(floats, data, a, len, c, average);
        System.arraycopy(acc, 0, data, a, len);
        if (publishResult) {
            floats[r].put(a, acc, 0, len);
            LONGS.setRelease(maps[r], slot(SLOT_OWN_READY), progress(c + 1));
        }
    }

    /**
     * {@code acc[0, len) = sum over ranks 0, 1, ..., n-1, in that order, of areas[p][a, a + len)}, every call the
     * same order, so the bits do not depend on timing; rank r's own values come from {@code ownData} when given.
     * Waits for each peer's chunk c to be published first.
     */
    private void sumChunk(FloatBuffer[] areas, float[] ownData, int a, int len, int c, boolean average) {
        for (int p = 0; p < n; p++) {
            float[] dst = p == 0 ? acc : tmp;
            if (p != r) {
                await(p, SLOT_PUBLISHED + r, progress(c + 1), "publish chunk " + c + " of shard " + r);
                checkLength(p);
                areas[p].get(a, dst, 0, len);
            } else if (ownData != null) {
                System.arraycopy(ownData, a, dst, 0, len);
            } else {
                areas[p].get(a, dst, 0, len);
            }
            if (p != 0) {
                for (int i = 0; i < len; i++) {
                    acc[i] += tmp[i];
                }
            }
        }
        if (average) {
            float divisor = n;
            for (int i = 0; i < len; i++) {
                acc[i] /= divisor;
            }
        }
    }

    private void gatherOthers(List<ShardRange> shards, float[] data, int c) {
        for (int k = 1; k < n; k++) {
            int owner = (r + n - k) % n;
            ShardRange s = shards.get(owner);
            int a = s.offset() + c * cfg.chunkFloats();
            int len = Math.min(cfg.chunkFloats(), s.end() - a);
            if (len > 0) {
                await(owner, SLOT_OWN_READY, progress(c + 1), "finish chunk " + c + " of its shard");
                floats[owner].get(a, data, a, len);
            }
        }
    }

    private void checkLength(int p) {
        long theirs = (long) LONGS.getAcquire(maps[p], slot(SLOT_LENGTH));
        long mine = (long) LONGS.getAcquire(maps[r], slot(SLOT_LENGTH));
        if (theirs != mine) {
            throw new CollectiveException("rank " + p + " reduces " + theirs + " elements, rank " + r + " " + mine
                    + ": every rank must make the same calls");
        }
    }

    private void await(int peer, int slotIndex, long target, String what) {
        int spins = 0;
        long deadline = 0;
        while ((long) LONGS.getAcquire(maps[peer], slot(slotIndex)) < target) {
            if (++spins < SPINS_BEFORE_PARK) {
                Thread.onSpinWait();
                continue;
            }
            // Sleep rather than spin: a spinning rank on a busy machine burns the core its peer needs, and the
            // scheduler favours a task that slept when it wakes.
            LockSupport.parkNanos(PARK_NANOS);
            if ((spins & 63) == 0) {
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + cfg.timeout().toNanos();
                } else if (now > deadline) {
                    throw new CollectiveException("rank " + peer + " did not " + what + " of call " + seq + " within "
                            + cfg.timeout() + " (rank " + r + " waiting)");
                }
            }
        }
    }

    @Override
    public void close() {
        // The files were unlinked at open; their memory goes with the last mapping.
        closed = true;
    }
}
