package t2t.actors.runtime;

/**
 * The coordinator's plan of which samples each step trains on: a seeded permutation per epoch,
 * cut into per-worker slices; slices of a worker that was lost go back to the queue so that every
 * sample of an epoch is trained exactly once. Its state is part of a checkpoint.
 */
public interface WorkPlan {
    /** The next step's slices, one per rank, or null when training is over. */
    Step next(int worldSize);

    /** Samples of an unfinished slice, to be handed out again in this epoch. */
    void requeue(long epoch, long[] sampleIds);

    /** Samples in one epoch (after repeated augmentation). */
    long samplesPerEpoch();

    /** Steps in one epoch at full membership. */
    long stepsPerEpoch();

    byte[] saveState();

    void restoreState(byte[] state);

    /**
     * One planned step: per-rank slices; {@code lastOfEpoch} when the epoch's queue is empty after
     * it, {@code lastOfRun} when it is the last step of the last epoch.
     */
    record Step(long step, long epoch, long[][] slices, boolean lastOfEpoch, boolean lastOfRun) {}
}
