package t2t.actors.runtime;

import t2t.actors.AggregatorActor;

/**
 * A worker's side of {@code --sync local:H} (local SGD, as PyTorch's PostLocalSGDOptimizer with a
 * periodic model averager): the worker applies its own optimizer to its own replica every step
 * and sends its parameters for averaging only at the end of a round, every H steps (and at every
 * checkpoint step, so a checkpoint holds one model). The optimizer state (AdamW moments) stays
 * local and is never averaged; BatchNorm running statistics travel in the parameter vector and are
 * averaged with it. Not thread-safe: one worker owns one.
 */
public final class LocalSgd {
    private final int period;
    private final ShardOptimizer optimizer;
    private final AggregatorActor.ClipPolicy clip;
    private final boolean clipping;
    private final float[] params;
    private long samplesSinceRound;

    /** @param optimizer an optimizer over the whole flat vector (this worker's, not shared) */
    public LocalSgd(int period, ShardOptimizer optimizer, AggregatorActor.ClipPolicy clip, boolean clipping,
                    int numParams) {
        if (period < 1) {
            throw new IllegalArgumentException("local SGD period must be >= 1, got " + period);
        }
        this.period = period;
        this.optimizer = optimizer;
        this.clip = clip;
        this.clipping = clipping;
        this.params = new float[numParams];
    }

    /** Installs a slice of averaged (or initial) parameters. */
    public void install(int offset, float[] data) {
        System.arraycopy(data, 0, params, offset, data.length);
    }

    /**
     * This worker's own update of step {@code step} from its gradient, written into the replica.
     * Returns true when the step ends an averaging round: then the caller sends {@link #params()}
     * and waits for the average before the next step.
     */
    public boolean step(long step, float[] grad, int samples, boolean checkpointAfter, StudentCompute student) {
        // An empty slice (the epoch's short last step) has no gradient: the replica stays put.
        if (samples > 0) {
            float scale = clipping ? clip.scale(Math.sqrt(optimizer.gradSumSquares(grad))) : 1f;
            optimizer.update(step, params, grad, scale);
            student.writeParams(0, params);
            samplesSinceRound += samples;
        }
        return (step + 1) % period == 0 || checkpointAfter;
    }

    /** The replica's parameters (read only). */
    public float[] params() {
        return params;
    }

    /** Samples this worker trained since the last round (the weight of its parameters in the average); resets it. */
    public long takeRoundSamples() {
        long n = samplesSinceRound;
        samplesSinceRound = 0;
        return n;
    }
}
