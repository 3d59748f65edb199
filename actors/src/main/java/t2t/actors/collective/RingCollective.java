package t2t.actors.collective;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import t2t.actors.runtime.ShardRange;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * Ring reduce-scatter then ring all-gather over a {@link RingLink}: N-1 steps each, every step sending one shard's
 * worth to the next rank while receiving another from the previous one. Within a step the chunks pipeline: this rank
 * keeps {@link #WINDOW} chunks in flight ahead of the one it is receiving and adding, so the wire, the peer's adding
 * and ours overlap. Shard ownership matches {@link ShardRange#split}: after reduce-scatter rank r holds shard r.
 *
 * <p>Wire: each chunk is a {@link ChunkHeader} and its floats, with generation = call number, step = ring step
 * (reduce-scatter 0 .. N-2, all-gather N-1 .. 2N-3), shard = the shard it carries, offset/chunk index/chunk count
 * within that shard. Received floats are added (or copied) straight into the vector, chunk by chunk.
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
                send(step, out, sent++, sendChunks, data);
            }
            for (int c = 0; c < recvChunks; c++) {
                receiveInto(step, in, c, recvChunks, data, add, average);
                if (sent < sendChunks) {
                    send(step, out, sent++, sendChunks, data);
                }
            }
            while (sent < sendChunks) {
                send(step, out, sent++, sendChunks, data);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("interrupted in step " + step + " of call " + seq, e);
        }
    }

    private int chunks(ShardRange s) {
        return (s.length() + cfg.chunkFloats() - 1) / cfg.chunkFloats();
    }

    private void send(int step, ShardRange s, int c, int count, float[] data) throws InterruptedException {
        int off = c * cfg.chunkFloats();
        int len = Math.min(cfg.chunkFloats(), s.length() - off);
        link.send(new ChunkHeader(seq, step, s.shard(), off, s.length(), c, count, len), data, s.offset() + off);
    }

    private void receiveInto(int step, ShardRange s, int c, int count, float[] data, boolean add, boolean average)
            throws InterruptedException {
        int off = c * cfg.chunkFloats();
        int len = Math.min(cfg.chunkFloats(), s.length() - off);
        while (true) {
            ChunkHeader h = link.receive(cfg.timeout());
            if (h == null) {
                throw new CollectiveException("rank " + Math.floorMod(r - 1, n) + " sent no chunk " + c + " of shard "
                        + s.shard() + " (step " + step + ", call " + seq + ") within " + cfg.timeout()
                        + "; rank " + r + " dropped " + dropped + " bad chunks");
            }
            String why = problem(h, step, s, c, count, off, len);
            if (why != null) {
                dropped++;
                log.warn("collective rank {}: dropped a chunk: {}", r, why);
                link.skipPayload(cfg.timeout());
                continue;
            }
            int a = s.offset() + off;
            link.readPayload(data, a, add, cfg.timeout());
            if (average) {
                float divisor = n;
                for (int i = 0; i < len; i++) {
                    data[a + i] /= divisor;
                }
            }
            return;
        }
    }

    /** Why {@code h} is not the chunk expected next, or null when it is. */
    private String problem(ChunkHeader h, int step, ShardRange s, int c, int count, int off, int len) {
        if (h.defect() != null) {
            return h.defect();
        }
        if (h.generation() != seq || h.step() != step || h.shard() != s.shard()) {
            return "call/step/shard " + h.generation() + "/" + h.step() + "/" + h.shard() + " where "
                    + seq + "/" + step + "/" + s.shard() + " was expected";
        }
        // Equal to the expected (valid) values, so also inside the shard and the vector.
        if (h.shardElements() != s.length() || h.chunkIndex() != c || h.chunkCount() != count || h.offset() != off
                || h.floats() != len) {
            return "chunk " + h.chunkIndex() + "/" + h.chunkCount() + " at " + h.offset() + " of " + h.shardElements()
                    + " with " + h.floats() + " floats where " + c + "/" + count + " at " + off + " of " + s.length()
                    + " with " + len + " was expected";
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
