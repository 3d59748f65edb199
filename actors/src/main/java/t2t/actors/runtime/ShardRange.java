package t2t.actors.runtime;

import java.util.ArrayList;
import java.util.List;

/** One aggregator's contiguous slice {@code [offset, offset + length)} of the flat trainable-parameter vector. */
public record ShardRange(int shard, int offset, int length) {
    /** Splits {@code total} elements into {@code shards} near-equal contiguous ranges (the first ones one longer). */
    public static List<ShardRange> split(int total, int shards) {
        if (shards < 1 || total < shards) {
            throw new IllegalArgumentException("cannot split " + total + " parameters into " + shards + " shards");
        }
        List<ShardRange> out = new ArrayList<>(shards);
        int base = total / shards;
        int extra = total % shards;
        int off = 0;
        for (int s = 0; s < shards; s++) {
            int len = base + (s < extra ? 1 : 0);
            out.add(new ShardRange(s, off, len));
            off += len;
        }
        return out;
    }

    public int end() {
        return offset + length;
    }
}
