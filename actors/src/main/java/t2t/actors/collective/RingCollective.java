package t2t.actors.collective;

import com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import t2t.actors.runtime.ShardRange;
import t2t.protocol.TensorCodec;
import t2t.protocol.wire.DType;
import t2t.protocol.wire.TensorChunk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Ring reduce-scatter then ring all-gather over a {@link RingLink}: N-1 steps each, every step sending one shard's
 * worth to the next rank while receiving another from the previous one. Within a step the chunks pipeline: this rank
 * keeps {@link #WINDOW} chunks in flight ahead of the one it is receiving and adding, so the wire, the peer's adding
 * and ours overlap. Shard ownership matches {@link ShardRange#split}: after reduce-scatter rank r holds shard r.
 *
 * <p>Wire: each chunk is a {@link TensorChunk} with generation = call number, step = ring step (reduce-scatter
 * 0 .. N-2, all-gather N-1 .. 2N-3), shard = the shard it carries, offset/chunk_index/chunk_count within that shard.
 * Links deliver in order, so anything other than the expected chunk is malformed, stale or forged: it is dropped and
 * counted, and the call goes on waiting for the right one (or times out).
 */
final class RingCollective extends AbstractCollective {
    private static final Logger log = LoggerFactory.getLogger(RingCollective.class);
    /** Chunks sent ahead of the one being received: enough to hide one round trip, small enough to bound memory. */
    static final int WINDOW = 4;

    private final CollectiveConfig cfg;
    private final RingLink link;
    private final int n;
    private final int r;
    private final float[] tmp;
    private float[] buffer;
    private long seq;
    private long dropped;
    private boolean closed;

    RingCollective(CollectiveConfig cfg, Transport transport, RingLink link) {
        super(cfg, transport);
        this.cfg = cfg;
        this.link = link;
        this.n = cfg.worldSize();
        this.r = cfg.rank();
        this.tmp = new float[cfg.chunkFloats()];
    }

    @Override
    public long droppedChunks() {
        return dropped;
    }

    @Override
    public void allReduce(float[] data, int length, boolean average) {
        List<ShardRange> shards = begin(data, length);
        reduceScatterSteps(shards, data, average);
        allGatherSteps(shards, data);
    }

    @Override
    public FloatBuffer buffer() {
        if (buffer == null) {
            buffer = new float[cfg.maxElements()];
        }
        return FloatBuffer.wrap(buffer);
    }

    @Override
    public void allReduceBuffer(int length, boolean average) {
        allReduce(buffer().array(), length, average);
    }

    @Override
    public ShardRange reduceScatter(float[] data, int length, boolean average) {
        List<ShardRange> shards = begin(data, length);
        reduceScatterSteps(shards, data, average);
        return shards.get(r);
    }

    @Override
    public void allGather(float[] data, int length) {
        allGatherSteps(begin(data, length), data);
    }

    private List<ShardRange> begin(float[] data, int length) {
        if (closed) {
            throw new IllegalStateException("collective closed");
        }
        if (length > data.length || length < n) {
            throw new IllegalArgumentException("length " + length + " outside " + n + " .. " + data.length);
        }
        seq++;
        return ShardRange.split(length, n);
    }

    private void reduceScatterSteps(List<ShardRange> shards, float[] data, boolean average) {
        if (n == 1) {
            return;
        }
        for (int k = 0; k < n - 1; k++) {
            // Offset by one from the textbook ring so that the last step lands shard r on rank r.
            int sendShard = Math.floorMod(r - k - 1, n);
            int recvShard = Math.floorMod(r - k - 2, n);
            step(k, shards.get(sendShard), shards.get(recvShard), data, true, average && k == n - 2);
        }
    }

    private void allGatherSteps(List<ShardRange> shards, float[] data) {
        if (n == 1) {
            return;
        }
        for (int k = 0; k < n - 1; k++) {
            int sendShard = Math.floorMod(r - k, n);
            int recvShard = Math.floorMod(r - k - 1, n);
            step(n - 1 + k, shards.get(sendShard), shards.get(recvShard), data, false, false);
        }
    }

    /** One ring step; everything of {@code out} is final when it starts, so its chunks can all go ahead of receiving. */
    private void step(int step, ShardRange out, ShardRange in, float[] data, boolean add, boolean average) {
        int sendChunks = chunks(out);
        int recvChunks = chunks(in);
        int sent = 0;
        try {
            while (sent < Math.min(WINDOW, sendChunks)) {
                link.send(encode(step, out, sent++, sendChunks, data));
            }
            for (int c = 0; c < recvChunks; c++) {
                receiveInto(step, in, c, recvChunks, data, add, average);
                if (sent < sendChunks) {
                    link.send(encode(step, out, sent++, sendChunks, data));
                }
            }
            while (sent < sendChunks) {
                link.send(encode(step, out, sent++, sendChunks, data));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("interrupted in step " + step + " of call " + seq, e);
        }
    }

    private int chunks(ShardRange s) {
        return (s.length() + cfg.chunkFloats() - 1) / cfg.chunkFloats();
    }

    private TensorChunk encode(int step, ShardRange s, int c, int count, float[] data) {
        int off = c * cfg.chunkFloats();
        int len = Math.min(cfg.chunkFloats(), s.length() - off);
        ByteBuffer buf = ByteBuffer.allocate(len * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(data, s.offset() + off, len);
        return TensorChunk.newBuilder()
                .setGeneration(seq)
                .setStep(step)
                .setShard(s.shard())
                .setOffset(off)
                .setShardElements(s.length())
                .setChunkIndex(c)
                .setChunkCount(count)
                .setDtype(DType.F32)
                .setData(UnsafeByteOperations.unsafeWrap(buf.array()))
                .setSender("rank-" + r)
                .build();
    }

    private void receiveInto(int step, ShardRange s, int c, int count, float[] data, boolean add, boolean average)
            throws InterruptedException {
        int off = c * cfg.chunkFloats();
        int len = Math.min(cfg.chunkFloats(), s.length() - off);
        while (true) {
            TensorChunk m = link.receive(cfg.timeout());
            if (m == null) {
                throw new CollectiveException("rank " + Math.floorMod(r - 1, n) + " sent no chunk " + c + " of shard "
                        + s.shard() + " (step " + step + ", call " + seq + ") within " + cfg.timeout()
                        + "; rank " + r + " dropped " + dropped + " bad chunks");
            }
            String why = problem(m, step, s, c, count, off, len);
            if (why != null) {
                dropped++;
                log.warn("collective rank {}: dropped a chunk from {}: {}", r, m.getSender(), why);
                continue;
            }
            m.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(tmp, 0, len);
            int a = s.offset() + off;
            if (add) {
                for (int i = 0; i < len; i++) {
                    data[a + i] += tmp[i];
                }
                if (average) {
                    float divisor = n;
                    for (int i = 0; i < len; i++) {
                        data[a + i] /= divisor;
                    }
                }
            } else {
                System.arraycopy(tmp, 0, data, a, len);
            }
            return;
        }
    }

    /** Why {@code m} is not the chunk expected next, or null when it is. */
    private String problem(TensorChunk m, int step, ShardRange s, int c, int count, int off, int len) {
        String why = TensorCodec.validate(m, s.length());
        if (why != null) {
            return why;
        }
        if (m.getGeneration() != seq || m.getStep() != step || m.getShard() != s.shard()) {
            return "call/step/shard " + m.getGeneration() + "/" + m.getStep() + "/" + m.getShard() + " where "
                    + seq + "/" + step + "/" + s.shard() + " was expected";
        }
        if (m.getChunkIndex() != c || m.getChunkCount() != count || m.getOffset() != off
                || m.getData().size() != len * Float.BYTES) {
            return "chunk " + m.getChunkIndex() + "/" + m.getChunkCount() + " at " + m.getOffset() + " with "
                    + m.getData().size() + " bytes where " + c + "/" + count + " at " + off + " with "
                    + len * Float.BYTES + " was expected";
        }
        return null;
    }

    RingLink link() {
        return link;
    }

    CollectiveConfig config() {
        return cfg;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            link.close();
        }
    }
}
