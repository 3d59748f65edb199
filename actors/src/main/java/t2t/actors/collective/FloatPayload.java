package t2t.actors.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Adds (or copies) a chunk's little-endian floats into the rank's vector as its bytes arrive, in pieces of any length
 * (a TCP read can end inside a float: up to 3 bytes wait for the next piece). Floats are converted in blocks through a
 * small scratch array so that the adding loop runs over two float arrays, which the JIT vectorises.
 */
final class FloatPayload {
    /** 64 KiB of floats: the block and its slice of the vector stay in the L2 cache while they are added. */
    private static final int BLOCK = 1 << 14;
    private final float[] tmp = new float[BLOCK];
    private final ByteBuffer carry = ByteBuffer.allocate(Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private float[] data;
    private int pos;
    private int end;
    private boolean add;

    /** Starts a chunk of {@code floats} floats bound for {@code data[at, at + floats)}. */
    void begin(float[] data, int at, int floats, boolean add) {
        this.data = data;
        this.pos = at;
        this.end = at + floats;
        this.add = add;
        carry.clear();
    }

    /** Bytes still expected for the current chunk. */
    long remainingBytes() {
        return (long) (end - pos) * Float.BYTES - carry.position();
    }

    boolean done() {
        return pos == end;
    }

    /** Takes all of {@code piece} (at most {@link #remainingBytes()}), leaving its position at its limit. */
    void accept(ByteBuffer piece) {
        if (piece.remaining() > remainingBytes()) {
            throw new IllegalArgumentException(piece.remaining() + " bytes where " + remainingBytes() + " remain");
        }
        piece.order(ByteOrder.LITTLE_ENDIAN);
        if (carry.position() > 0) {
            while (carry.hasRemaining() && piece.hasRemaining()) {
                carry.put(piece.get());
            }
            if (carry.hasRemaining()) {
                return;
            }
            apply(carry.getFloat(0));
            carry.clear();
        }
        int whole = piece.remaining() / Float.BYTES;
        FloatBuffer floats = piece.asFloatBuffer();
        if (add) {
            for (int done = 0; done < whole; ) {
                int k = Math.min(BLOCK, whole - done);
                floats.get(tmp, 0, k);
                for (int i = 0; i < k; i++) {
                    data[pos + i] += tmp[i];
                }
                pos += k;
                done += k;
            }
        } else {
            floats.get(data, pos, whole);
            pos += whole;
        }
        piece.position(piece.position() + whole * Float.BYTES);
        while (piece.hasRemaining()) {
            carry.put(piece.get());
        }
    }

    private void apply(float v) {
        if (add) {
            data[pos] += v;
        } else {
            data[pos] = v;
        }
        pos++;
    }
}
