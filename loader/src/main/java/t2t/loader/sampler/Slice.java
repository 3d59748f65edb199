package t2t.loader.sampler;

/**
 * One worker's share of one step: positions in the epoch order, the sample ids there, and which
 * repeat of its sample each is (0 without repeated augmentation). Hand it back to the sampler
 * with {@code complete} once trained (or skipped) or {@code requeue} if it was not.
 *
 * @param worker  index {@code 0 .. workers-1} in the layout the step was planned for
 */
public record Slice(int epoch, long step, int worker, int workers, int[] positions, long[] sampleIds, int[] copies) {
    public Slice {
        if (positions.length != sampleIds.length || positions.length != copies.length) {
            throw new IllegalArgumentException("positions, ids and copies differ in length");
        }
    }

    public int size() {
        return positions.length;
    }
}
