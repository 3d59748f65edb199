package t2t.loader.sampler;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.TreeMap;

/**
 * The epoch plan with exactly-once accounting (not thread-safe: one owner, the coordinator).
 *
 * <p>Every position of the epoch order is, at any time, available, in flight (issued in a slice),
 * consumed (its slice was completed: trained or skipped) or dropped (drop_last). A step takes the
 * {@code globalBatch} lowest available positions and deals them round-robin over the workers of
 * that step (worker {@code w} gets the w-th, (w+W)-th, ... of them, as DeiT's {@code
 * indices[rank::world]}). Hence:
 * <ul>
 * <li>a change of world size takes effect at the next {@link #nextStep} and re-divides what is left;</li>
 * <li>a re-queued slice becomes available again and, being lower than everything not yet issued,
 *     goes out first in the next step (the epoch may then end with one extra, partial step);</li>
 * <li>without re-queues the global batch of step s is positions {@code [s*B, (s+1)*B)} whatever the
 *     number of workers, so N workers x B/N samples train on the same samples as 1 worker x B.</li>
 * </ul>
 * drop_last: when fewer than {@code globalBatch} positions are available and none is in flight,
 * the rest are dropped (and counted) if {@code dropLast}, else issued as a final smaller step.
 * While the tail waits on slices in flight (which might come back), {@link #nextStep} returns null.
 */
public final class EpochSampler {
    private final SamplerConfig config;
    private int epoch;
    private long step;
    private int workers;
    private EpochOrder order;
    private BitSet consumed;
    private BitSet dropped;
    private BitSet inFlight;
    /** consumed | dropped | inFlight: the complement is what is available. */
    private BitSet taken;
    private int available;
    /** Steps with slices still in flight -> how many non-empty slices each still has out. */
    private final TreeMap<Long, Integer> outstanding = new TreeMap<>();

    public EpochSampler(SamplerConfig config, int epoch) {
        this.config = config;
        begin(epoch, 0, new BitSet(), new BitSet());
    }

    /** Continues from a checkpointed state; slices that were in flight then are issued again. */
    public static EpochSampler resume(SamplerState state) {
        EpochSampler sampler = new EpochSampler(state.config(), state.epoch());
        sampler.begin(state.epoch(), state.step(), state.consumedSet(), state.droppedSet());
        sampler.workers = state.workers();
        return sampler;
    }

    private void begin(int epoch, long step, BitSet consumed, BitSet dropped) {
        if (order == null || this.epoch != epoch) {
            order = new EpochOrder(config, epoch);
        }
        this.epoch = epoch;
        this.step = step;
        this.consumed = consumed;
        this.dropped = dropped;
        this.inFlight = new BitSet();
        this.outstanding.clear();
        this.taken = (BitSet) consumed.clone();
        taken.or(dropped);
        this.available = order.length() - taken.cardinality();
    }

    /** Starts epoch {@code epoch} afresh (normally {@code epoch() + 1} once {@link #epochDone()}). */
    public void startEpoch(int epoch) {
        if (!inFlight.isEmpty()) {
            throw new IllegalStateException(inFlight.cardinality() + " positions of epoch " + this.epoch + " are still in flight");
        }
        begin(epoch, 0, new BitSet(), new BitSet());
    }

    /**
     * Plans the next step for {@code workers} workers, or returns null when no step can be issued
     * now: the epoch is done ({@link #epochDone()}), or its tail waits on slices in flight.
     * Slices may be empty when the batch is smaller than the number of workers.
     */
    public StepPlan nextStep(int workers) {
        if (workers <= 0) {
            throw new IllegalArgumentException("workers must be positive, got " + workers);
        }
        int batch = config.globalBatch();
        if (available < batch) {
            if (!inFlight.isEmpty() || available == 0) {
                return null;
            }
            if (config.dropLast()) {
                dropRest();
                return null;
            }
            batch = available;
        }
        this.workers = workers;
        int[] chosen = new int[batch];
        int p = -1;
        for (int i = 0; i < batch; i++) {
            p = taken.nextClearBit(p + 1);
            chosen[i] = p;
            inFlight.set(p);
            taken.set(p);
        }
        available -= batch;
        List<Slice> slices = new ArrayList<>(workers);
        for (int w = 0; w < workers; w++) {
            int count = batch / workers + (w < batch % workers ? 1 : 0);
            int[] positions = new int[count];
            long[] ids = new long[count];
            int[] copies = new int[count];
            for (int k = 0; k < count; k++) {
                int position = chosen[w + k * workers];
                positions[k] = position;
                ids[k] = order.sampleId(position);
                copies[k] = order.copy(position);
            }
            slices.add(new Slice(epoch, step, w, workers, positions, ids, copies));
            if (count > 0) {
                outstanding.merge(step, 1, Integer::sum);
            }
        }
        return new StepPlan(epoch, step++, List.copyOf(slices));
    }

    private void dropRest() {
        for (int p = taken.nextClearBit(0); available > 0; p = taken.nextClearBit(p + 1)) {
            dropped.set(p);
            taken.set(p);
            available--;
        }
    }

    /** Marks a slice's positions consumed (trained, or skipped as bad input). Each position once. */
    public void complete(Slice slice) {
        checkInFlight(slice);
        for (int p : slice.positions()) {
            inFlight.clear(p);
            consumed.set(p);
        }
        settle(slice);
    }

    /** Returns an unfinished slice's positions to the epoch, to be issued again first. */
    public void requeue(Slice slice) {
        checkInFlight(slice);
        for (int p : slice.positions()) {
            inFlight.clear(p);
            taken.clear(p);
        }
        available += slice.size();
        settle(slice);
    }

    private void settle(Slice slice) {
        if (slice.size() > 0) {
            outstanding.computeIfPresent(slice.step(), (k, n) -> n == 1 ? null : n - 1);
        }
    }

    private void checkInFlight(Slice slice) {
        if (slice.epoch() != epoch) {
            throw new IllegalStateException("slice of epoch " + slice.epoch() + " handed back during epoch " + epoch);
        }
        for (int p : slice.positions()) {
            if (!inFlight.get(p)) {
                throw new IllegalStateException("position " + p + " of epoch " + epoch + " is not in flight"
                        + (consumed.get(p) ? " (already consumed: a slice was handed back twice)" : ""));
            }
        }
    }

    /** True when every position is consumed or dropped. */
    public boolean epochDone() {
        return inFlight.isEmpty() && consumed.cardinality() + dropped.cardinality() == order.length();
    }

    /**
     * The state to checkpoint. Slices in flight are not in it: on resume they are issued again,
     * lowest positions first, from the number of the oldest step still in flight, so a run
     * checkpointed while the next step was already planned (pipelining) resumes with the same
     * steps as the uninterrupted run.
     */
    public SamplerState state() {
        long resumeStep = outstanding.isEmpty() ? step : outstanding.firstKey();
        return new SamplerState(config, epoch, resumeStep, workers, consumed.toLongArray(), dropped.toLongArray());
    }

    public SamplerConfig config() {
        return config;
    }

    public int epoch() {
        return epoch;
    }

    /** Steps issued so far in this epoch (the number the next step gets). */
    public long step() {
        return step;
    }

    public int epochLength() {
        return order.length();
    }

    public int consumedCount() {
        return consumed.cardinality();
    }

    public int droppedCount() {
        return dropped.cardinality();
    }

    public int inFlightCount() {
        return inFlight.cardinality();
    }

    public int availableCount() {
        return available;
    }

    /** Full steps in an epoch without re-queues: {@code floor(length/B)} with drop_last, else the ceiling. */
    public long stepsPerEpoch() {
        long n = order.length();
        long b = config.globalBatch();
        return config.dropLast() ? n / b : (n + b - 1) / b;
    }

    public EpochOrder order() {
        return order;
    }
}
