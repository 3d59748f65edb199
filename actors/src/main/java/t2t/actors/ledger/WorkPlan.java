package t2t.actors.ledger;

/**
 * The coordinator's plan of which samples each step trains on: a seeded permutation per epoch,
 * cut into per-worker slices; the slice of a worker that was lost goes back to the queue so that
 * every sample of an epoch is trained exactly once. Its state is part of a checkpoint. Not
 * thread-safe: the step ledger owns it.
 */
public interface WorkPlan {
    /**
     * The next step's slices, one per rank, or null when no step can be planned now: either the
     * run is over ({@link #finished()}) or the epoch's tail waits on slices still in flight.
     */
    Step next(int worldSize);

    /** True once every step of every epoch has been planned and nothing can come back. */
    boolean finished();

    /** The slice of {@code rank} at {@code step} was trained (or its bad samples skipped). */
    void completed(long step, int rank);

    /** The slice of {@code rank} at {@code step} was not trained (its worker was lost): plan it again. */
    void requeue(long step, int rank);

    /** Samples in one epoch (after repeated augmentation). */
    long samplesPerEpoch();

    /** Steps in one epoch at full membership. */
    long stepsPerEpoch();

    /**
     * The state to resume from at step {@code nextStep}: the slices {@link #completed} so far
     * count as trained; everything else (slices in flight, slices requeued and not yet planned
     * again) is planned again after a resume. The ledger takes it when the step before
     * {@code nextStep} commits, so it matches the parameters of that step's checkpoint.
     */
    byte[] saveState(long nextStep);

    /**
     * One planned step: per-rank sample ids and their repeat indices (repeated augmentation: the
     * k-th copy of a sample in an epoch is augmented differently); {@code lastOfEpoch} when the
     * epoch's queue is empty after it, {@code lastOfRun} when it is the last step of the last
     * epoch; {@code drainsPlan} when no further step can be planned until every slice in flight
     * has come back (the epoch's tail is shorter than a batch, or empty).
     */
    record Step(long step, long epoch, long[][] slices, int[][] copies, boolean lastOfEpoch, boolean lastOfRun,
                boolean drainsPlan) {}
}
