package t2t.model.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The flat parameter vector: the trainable parameters concatenated in a fixed order (the order of
 * the entries given), each with its weight-decay flag. Frozen entries (the fixed sinusoid
 * {@code pos_embed}, the performer's random features, BatchNorm running statistics) are kept aside
 * in {@link #frozen()}: they are not in the vector, so aggregators never see them.
 *
 * <p>Aggregators own contiguous shards {@code [offset, offset + length)} of the vector
 * ({@link #shards(int)}); {@link #decayMask(int, int)} gives the matching mask for any range.
 */
public final class FlatLayout {

    /** A named tensor as the model lists it. */
    public record Entry(String name, long[] shape, boolean trainable) {
        public Entry {
            shape = shape.clone();
        }

        public long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    /** Where one trainable tensor lives in the flat vector. */
    public record Slot(String name, long[] shape, int offset, int length, boolean decay) {
        public Slot {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    /** A contiguous range of the flat vector. */
    public record Range(int offset, int length) {
        public int end() {
            return offset + length;
        }
    }

    private final List<Slot> slots;
    private final List<Entry> frozen;
    private final Map<String, Slot> byName;
    private final int size;

    private FlatLayout(List<Slot> slots, List<Entry> frozen, int size) {
        this.slots = Collections.unmodifiableList(slots);
        this.frozen = Collections.unmodifiableList(frozen);
        this.size = size;
        Map<String, Slot> map = new LinkedHashMap<>();
        for (Slot s : slots) {
            if (map.put(s.name(), s) != null) {
                throw new IllegalArgumentException("duplicate parameter name " + s.name());
            }
        }
        this.byName = Collections.unmodifiableMap(map);
    }

    /** The layout with the {@link DecayRule#standard() standard} decay rule. */
    public static FlatLayout of(List<Entry> entries) {
        return of(entries, DecayRule.standard());
    }

    public static FlatLayout of(List<Entry> entries, DecayRule rule) {
        List<Slot> slots = new ArrayList<>();
        List<Entry> frozen = new ArrayList<>();
        long offset = 0;
        for (Entry e : entries) {
            if (!e.trainable()) {
                frozen.add(e);
                continue;
            }
            long n = e.numel();
            if (offset + n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("flat vector exceeds a Java array: " + (offset + n));
            }
            if (n > 0) {
                slots.add(new Slot(e.name(), e.shape(), (int) offset, (int) n, rule.decays(e.name(), e.shape())));
            }
            offset += n;
        }
        return new FlatLayout(slots, frozen, (int) offset);
    }

    /** Number of trainable elements (the flat vector's length). */
    public int size() {
        return size;
    }

    public List<Slot> slots() {
        return slots;
    }

    public List<Entry> frozen() {
        return frozen;
    }

    public Slot slot(String name) {
        Slot s = byName.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no trainable parameter named " + name);
        }
        return s;
    }

    /**
     * {@code n} contiguous shards as equal as possible (the first {@code size % n} are one element
     * longer). Shards cut through tensors freely: AdamW is element-wise and the decay mask follows.
     */
    public List<Range> shards(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("shard count must be positive, got " + n);
        }
        List<Range> out = new ArrayList<>(n);
        int base = size / n;
        int extra = size % n;
        int offset = 0;
        for (int i = 0; i < n; i++) {
            int len = base + (i < extra ? 1 : 0);
            out.add(new Range(offset, len));
            offset += len;
        }
        return out;
    }

    /** The decay runs of {@code [offset, offset + length)}, adjacent equal runs merged. */
    public DecayMask decayMask(int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > size) {
            throw new IllegalArgumentException(
                    "range [" + offset + ", " + (offset + length) + ") outside the flat vector of " + size);
        }
        int[] bounds = new int[slots.size() + 1];
        boolean[] flags = new boolean[slots.size()];
        int runs = 0;
        int end = offset + length;
        for (Slot s : slots) {
            int lo = Math.max(s.offset(), offset);
            int hi = Math.min(s.offset() + s.length(), end);
            if (lo >= hi) {
                continue;
            }
            if (runs > 0 && flags[runs - 1] == s.decay()) {
                bounds[runs] = hi - offset;
            } else {
                flags[runs] = s.decay();
                bounds[runs + 1] = hi - offset;
                runs++;
            }
        }
        return new DecayMask(Arrays.copyOf(bounds, runs + 1), Arrays.copyOf(flags, runs));
    }
}
