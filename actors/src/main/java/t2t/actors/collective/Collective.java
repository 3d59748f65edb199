package t2t.actors.collective;

import t2t.actors.runtime.ShardRange;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Reduce-scatter + all-gather of a flat float vector across the ranks of a group: bandwidth-optimal (each rank moves
 * 2(N-1)/N of the data), chunked and pipelined, and exact: every shard's sum is computed once, by the rank owning the
 * shard, and copied to the others, so every rank ends with the same bits. Rank r owns shard r of
 * {@link ShardRange#split}, whatever the transport. One call at a time per rank; every rank makes the same calls with
 * the same lengths, in the same order.
 */
public interface Collective extends AutoCloseable {

    /**
     * Joins the group: binds this rank's transport, exchanges endpoints through {@code peers} and connects. Shared
     * memory when {@link Transport#AUTO} finds every rank on this machine, the nio TCP ring otherwise.
     */
    static Collective open(CollectiveConfig config, PeerDirectory peers) throws IOException, InterruptedException {
        return Collectives.open(config, peers);
    }

    int rank();

    int worldSize();

    /** The transport in use ({@link Transport#AUTO} resolved). */
    Transport transport();

    /** Sums {@code data[0, length)} over all ranks, in place on every rank; divides by the world size if {@code average}. */
    void allReduce(float[] data, int length, boolean average);

    default void allReduce(float[] data) {
        allReduce(data, data.length, false);
    }

    /**
     * The collective's own vector of {@code maxElements} floats. Under {@link Transport#SHM} it lives in this rank's
     * shared-memory file, so {@link #allReduceBuffer} reduces it with no copy in and none out (what NCCL's registered
     * buffers do): a runtime that flattens its gradients anyway flattens them straight into it. Write the input into
     * {@code [0, length)}, call {@link #allReduceBuffer}, read the result from the same place; it stays valid until
     * the next call. The returned view's position and limit are the caller's.
     */
    FloatBuffer buffer();

    /** {@link #allReduce} of {@code buffer()[0, length)}, in place. */
    void allReduceBuffer(int length, boolean average);

    /**
     * Sums this rank's shard only: afterwards {@code data[shard(length)]} holds the sum (or mean) over all ranks; the
     * rest of {@code data[0, length)} is scratch (the ring leaves partial sums there), to be overwritten by
     * {@link #allGather}.
     */
    ShardRange reduceScatter(float[] data, int length, boolean average);

    /** Copies every rank's shard of {@code data[0, length)} to all ranks (the inverse of {@link #reduceScatter}). */
    void allGather(float[] data, int length);

    /** The shard this rank owns for a vector of {@code length}. */
    default ShardRange shard(int length) {
        return shards(length).get(rank());
    }

    default List<ShardRange> shards(int length) {
        return ShardRange.split(length, worldSize());
    }

    /** Chunks received and dropped because they failed validation (wrong size, range, call or type). */
    long droppedChunks();

    @Override
    void close();
}
