package t2t.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import t2t.protocol.wire.DType;
import t2t.protocol.wire.TensorChunk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a range of a flat float vector into {@link TensorChunk}s of at most {@link #MAX_CHUNK_BYTES}
 * and puts it back together, validating every chunk against what the receiver expects. Floats
 * travel as little-endian F32.
 */
public final class TensorCodec {
    /** 1 MiB minus room for the other fields: Artery's large-message lane takes 2 MiB frames. */
    public static final int MAX_CHUNK_BYTES = 1 << 20;
    public static final int MAX_CHUNK_FLOATS = MAX_CHUNK_BYTES / Float.BYTES;

    private TensorCodec() {}

    /** Header fields every chunk of one range shares. */
    public record Header(long generation, long step, int shard, String sender, int samples) {}

    public static List<TensorChunk> encode(Header h, float[] data, int from, int length) {
        int count = Math.max(1, (length + MAX_CHUNK_FLOATS - 1) / MAX_CHUNK_FLOATS);
        List<TensorChunk> chunks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int off = i * MAX_CHUNK_FLOATS;
            int n = Math.min(MAX_CHUNK_FLOATS, length - off);
            ByteBuffer buf = ByteBuffer.allocate(n * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(data, from + off, n);
            chunks.add(TensorChunk.newBuilder()
                    .setGeneration(h.generation())
                    .setStep(h.step())
                    .setShard(h.shard())
                    .setOffset(off)
                    .setShardElements(length)
                    .setChunkIndex(i)
                    .setChunkCount(count)
                    .setDtype(DType.F32)
                    .setData(UnsafeByteOperations.unsafeWrap(buf.array()))
                    .setSender(h.sender())
                    .setSamples(h.samples())
                    .build());
        }
        return chunks;
    }

    /**
     * Checks a received chunk against the shard size the receiver knows; returns a reason to drop
     * it, or null when it is well-formed.
     */
    public static String validate(TensorChunk c, long expectedShardElements) {
        if (c.getDtype() != DType.F32) {
            return "dtype " + c.getDtype() + " (only F32 is accepted)";
        }
        if (c.getShardElements() != expectedShardElements) {
            return "shard_elements " + c.getShardElements() + " != " + expectedShardElements;
        }
        ByteString d = c.getData();
        if (d.size() % Float.BYTES != 0 || d.size() > MAX_CHUNK_BYTES) {
            return "data of " + d.size() + " bytes";
        }
        long n = d.size() / Float.BYTES;
        if (c.getOffset() < 0 || c.getOffset() + n > expectedShardElements) {
            return "range [" + c.getOffset() + ", " + (c.getOffset() + n) + ") outside the shard of " + expectedShardElements;
        }
        if (c.getChunkCount() < 1 || c.getChunkIndex() < 0 || c.getChunkIndex() >= c.getChunkCount()) {
            return "chunk " + c.getChunkIndex() + " of " + c.getChunkCount();
        }
        return null;
    }

    /** Copies a validated chunk's floats into {@code dest} at {@code destFrom + chunk.offset}. */
    public static void decodeInto(TensorChunk c, float[] dest, int destFrom) {
        FloatBuffer fb = c.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        fb.get(dest, destFrom + (int) c.getOffset(), fb.remaining());
    }
}
