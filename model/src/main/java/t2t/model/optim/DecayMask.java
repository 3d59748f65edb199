package t2t.model.optim;

/**
 * The weight-decay pattern of one slice of the flat vector as runs of equal flags, so the AdamW
 * inner loop sees a constant decay factor (no per-element mask array, no branch per element).
 *
 * @param bounds run boundaries relative to the slice start: {@code bounds[0] == 0}, the last one
 *     equals the slice length, strictly increasing
 * @param decay whether run {@code r} = [bounds[r], bounds[r+1]) is decayed
 */
public record DecayMask(int[] bounds, boolean[] decay) {

    public DecayMask {
        if (bounds.length != decay.length + 1 || bounds[0] != 0) {
            throw new IllegalArgumentException("bounds must start at 0 and have one more entry than decay");
        }
        for (int r = 0; r < decay.length; r++) {
            if (bounds[r + 1] <= bounds[r]) {
                throw new IllegalArgumentException("bounds must be strictly increasing");
            }
        }
    }

    /** One run covering {@code length} elements. */
    public static DecayMask uniform(int length, boolean decay) {
        return length == 0
                ? new DecayMask(new int[] {0}, new boolean[0])
                : new DecayMask(new int[] {0, length}, new boolean[] {decay});
    }

    public int length() {
        return bounds[bounds.length - 1];
    }

    public int runs() {
        return decay.length;
    }
}
