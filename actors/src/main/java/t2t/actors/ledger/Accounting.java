package t2t.actors.ledger;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Exactly-once accounting per epoch: which sample ids reached the model (trained) and which were
 * consumed without training because they could not be decoded (skipped). An id handed back again
 * in the same epoch, trained or skipped, is a duplicate. Its state is part of every checkpoint
 * ({@link AccountingCodec}).
 */
public final class Accounting {
    private final TreeMap<Long, BitSet> trained = new TreeMap<>();
    private final TreeMap<Long, BitSet> skipped = new TreeMap<>();
    private long duplicates;

    /** Counts a slice of {@code epoch}: its {@code ids}, of which {@code skippedIds} could not be trained. */
    public void credit(long epoch, long[] ids, long[] skippedIds) {
        BitSet done = trained.computeIfAbsent(epoch, e -> new BitSet());
        BitSet bad = skipped.computeIfAbsent(epoch, e -> new BitSet());
        BitSet skippedHere = new BitSet();
        for (long id : skippedIds) {
            skippedHere.set(index(id));
        }
        for (long id : ids) {
            int i = index(id);
            if (done.get(i) || bad.get(i)) {
                duplicates++;
            } else if (skippedHere.get(i)) {
                bad.set(i);
            } else {
                done.set(i);
            }
        }
    }

    private static int index(long id) {
        if (id < 0 || id > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sample id " + id + " is outside 0..2^31-1");
        }
        return (int) id;
    }

    /** Epochs with at least one slice counted. */
    public int epochs() {
        return trained.size();
    }

    /** Samples trained per epoch, oldest epoch first. */
    public List<Long> trainedPerEpoch() {
        List<Long> counts = new ArrayList<>();
        trained.values().forEach(b -> counts.add((long) b.cardinality()));
        return counts;
    }

    /** Samples skipped per epoch, aligned with {@link #trainedPerEpoch()}. */
    public List<Long> skippedPerEpoch() {
        List<Long> counts = new ArrayList<>();
        for (Long epoch : trained.keySet()) {
            counts.add((long) skipped.getOrDefault(epoch, new BitSet()).cardinality());
        }
        return counts;
    }

    /** The skipped ids per epoch, ascending, aligned with {@link #trainedPerEpoch()}. */
    public List<long[]> skippedIds() {
        List<long[]> ids = new ArrayList<>();
        for (Long epoch : trained.keySet()) {
            ids.add(skipped.getOrDefault(epoch, new BitSet()).stream().asLongStream().toArray());
        }
        return ids;
    }

    public long skippedTotal() {
        return skipped.values().stream().mapToLong(BitSet::cardinality).sum();
    }

    public long duplicates() {
        return duplicates;
    }

    /** Trained ids of {@code epoch} (a copy). */
    public BitSet trained(long epoch) {
        return (BitSet) trained.getOrDefault(epoch, new BitSet()).clone();
    }

    /** Skipped ids of {@code epoch} (a copy). */
    public BitSet skipped(long epoch) {
        return (BitSet) skipped.getOrDefault(epoch, new BitSet()).clone();
    }

    Map<Long, BitSet> trainedSets() {
        return trained;
    }

    Map<Long, BitSet> skippedSets() {
        return skipped;
    }

    void restoreEpoch(long epoch, BitSet trainedIds, BitSet skippedIds) {
        trained.put(epoch, trainedIds);
        skipped.put(epoch, skippedIds);
    }

    void restoreDuplicates(long duplicates) {
        this.duplicates = duplicates;
    }
}
