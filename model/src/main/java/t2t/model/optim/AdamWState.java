package t2t.model.optim;

/**
 * AdamW state of one slice of the flat vector: first and second moments and the number of steps
 * taken. Plain arrays so a checkpoint (or a joining aggregator) can store and restore it as is.
 *
 * @param offset where the slice starts in the flat vector (checked on restore)
 * @param step steps already applied (torch's {@code state['step']})
 * @param expAvg first moment, one per element of the slice
 * @param expAvgSq second moment, one per element of the slice
 */
public record AdamWState(int offset, long step, float[] expAvg, float[] expAvgSq) {

    public AdamWState {
        if (expAvg.length != expAvgSq.length) {
            throw new IllegalArgumentException(
                    "moment arrays differ in length: " + expAvg.length + " vs " + expAvgSq.length);
        }
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
    }

    /** Fresh zero state for {@code [offset, offset + length)}. */
    public static AdamWState zeros(int offset, int length) {
        return new AdamWState(offset, 0, new float[length], new float[length]);
    }

    public int length() {
        return expAvg.length;
    }

    /** The same moments after one more step (the arrays are shared, not copied). */
    AdamWState advanced() {
        return new AdamWState(offset, step + 1, expAvg, expAvgSq);
    }

    /** A deep copy, for snapshots taken while training goes on. */
    public AdamWState copy() {
        return new AdamWState(offset, step, expAvg.clone(), expAvgSq.clone());
    }
}
