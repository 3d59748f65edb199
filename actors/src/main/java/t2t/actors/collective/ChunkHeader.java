package t2t.actors.collective;

import t2t.protocol.TensorCodec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What a ring chunk says about itself: call (generation), ring step, shard, offset within the shard, the shard's
 * length, index and count of chunks in the shard, and how many floats follow. On the byte-stream links it is a fixed
 * {@link #BYTES}-byte little-endian header in front of the floats themselves (no Protobuf: the data is the bulk of
 * every frame, and encoding it as a bytes field costs a copy each way). {@code defect} is non-null when a link
 * already knows the chunk is malformed (Artery: not F32, a size that is not whole floats); the ring drops those.
 */
record ChunkHeader(long generation, int step, int shard, int offset, int shardElements, int chunkIndex,
                   int chunkCount, int floats, String defect) {
    /** "T2TC", little-endian: a stream out of step with the frames shows up at once. */
    static final int MAGIC = 0x43543254;
    static final int BYTES = 40;

    ChunkHeader(long generation, int step, int shard, int offset, int shardElements, int chunkIndex, int chunkCount,
                int floats) {
        this(generation, step, shard, offset, shardElements, chunkIndex, chunkCount, floats, null);
    }

    static ChunkHeader malformed(String why) {
        return new ChunkHeader(-1, -1, -1, -1, -1, -1, -1, 0, why);
    }

    /** Writes the header at {@code out}'s position (little-endian whatever the buffer's order). */
    void writeTo(ByteBuffer out) {
        ByteOrder was = out.order();
        out.order(ByteOrder.LITTLE_ENDIAN)
                .putInt(MAGIC).putLong(generation).putInt(step).putInt(shard).putInt(offset)
                .putInt(shardElements).putInt(chunkIndex).putInt(chunkCount).putInt(floats)
                .order(was);
    }

    /**
     * Reads a header at {@code in}'s position. A wrong magic number or a payload longer than a chunk cannot be
     * skipped on a byte stream (nothing says where the next frame starts), so it throws: the connection is broken.
     */
    static ChunkHeader readFrom(ByteBuffer in) {
        ByteOrder was = in.order();
        in.order(ByteOrder.LITTLE_ENDIAN);
        try {
            int magic = in.getInt();
            if (magic != MAGIC) {
                throw new CollectiveException(String.format("not a ring frame (magic %08x): the stream from the "
                        + "previous rank is out of step", magic));
            }
            ChunkHeader h = new ChunkHeader(in.getLong(), in.getInt(), in.getInt(), in.getInt(), in.getInt(),
                    in.getInt(), in.getInt(), in.getInt());
            if (h.floats < 0 || h.floats > TensorCodec.MAX_CHUNK_FLOATS) {
                throw new CollectiveException("ring frame announces " + h.floats + " floats (at most "
                        + TensorCodec.MAX_CHUNK_FLOATS + "): the stream from the previous rank is broken");
            }
            return h;
        } finally {
            in.order(was);
        }
    }
}
