package t2t.actors.ledger;

import t2t.loader.sampler.EpochSampler;
import t2t.loader.sampler.SamplerConfig;
import t2t.loader.sampler.SamplerState;
import t2t.loader.sampler.StepPlan;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The work plan over the loader's epoch sampler, for a number of epochs, with global step numbers.
 * A saved state counts only completed slices as trained: a slice still in flight, or requeued
 * after its worker was lost, is planned again after a resume.
 */
public final class SamplerPlan implements WorkPlan {
    private final int epochs;
    private EpochSampler sampler;
    private long globalStep;
    private boolean finished;
    private final Map<Long, StepPlan> inFlight = new HashMap<>();
    private final Map<Long, Integer> remaining = new HashMap<>();

    public SamplerPlan(SamplerConfig config, int epochs) {
        this.epochs = epochs;
        this.sampler = new EpochSampler(config, 0);
    }

    /** Continues from {@link #saveState()}. */
    public static SamplerPlan restore(byte[] state, int epochs) {
        ByteBuffer b = ByteBuffer.wrap(state);
        long step = b.getLong();
        byte[] rest = new byte[b.remaining()];
        b.get(rest);
        SamplerState s = SamplerState.fromBytes(rest);
        SamplerPlan p = new SamplerPlan(s.config(), epochs);
        p.sampler = EpochSampler.resume(s);
        p.globalStep = step;
        return p;
    }

    @Override
    public Step next(int world) {
        if (finished) {
            return null;
        }
        StepPlan p = sampler.nextStep(world);
        if (p == null && sampler.epochDone()) {
            if (sampler.epoch() + 1 >= epochs) {
                finished = true;
                return null;
            }
            sampler.startEpoch(sampler.epoch() + 1);
            p = sampler.nextStep(world);
        }
        if (p == null) {
            return null;
        }
        long step = globalStep++;
        inFlight.put(step, p);
        remaining.put(step, p.slices().size());
        long[][] ids = new long[p.slices().size()][];
        int[][] copies = new int[p.slices().size()][];
        for (int r = 0; r < ids.length; r++) {
            ids[r] = p.slices().get(r).sampleIds();
            copies[r] = p.slices().get(r).copies();
        }
        int batch = sampler.config().globalBatch();
        int left = sampler.availableCount();
        boolean lastOfEpoch = left == 0 || (sampler.config().dropLast() && left < batch);
        boolean lastOfRun = lastOfEpoch && sampler.epoch() == epochs - 1;
        return new Step(step, p.epoch(), ids, copies, lastOfEpoch, lastOfRun, left < batch);
    }

    @Override
    public boolean finished() {
        return finished;
    }

    /** True when no step is left to plan: the last epoch is done (a plan restored from a run's final checkpoint). */
    public boolean exhausted() {
        return finished || (sampler.epochDone() && sampler.epoch() + 1 >= epochs);
    }

    @Override
    public void completed(long step, int rank) {
        StepPlan p = inFlight.get(step);
        if (p == null || rank < 0) {
            return;
        }
        sampler.complete(p.slices().get(rank));
        forget(step);
    }

    @Override
    public void requeue(long step, int rank) {
        StepPlan p = inFlight.get(step);
        if (p == null || rank < 0) {
            return;
        }
        sampler.requeue(p.slices().get(rank));
        forget(step);
    }

    private void forget(long step) {
        if (remaining.merge(step, -1, Integer::sum) == 0) {
            remaining.remove(step);
            inFlight.remove(step);
        }
    }

    @Override
    public long samplesPerEpoch() {
        return sampler.epochLength();
    }

    @Override
    public long stepsPerEpoch() {
        return sampler.stepsPerEpoch();
    }

    @Override
    public byte[] saveState(long nextStep) {
        byte[] body = sampler.state().toBytes();
        return ByteBuffer.allocate(8 + body.length).putLong(nextStep).put(body).array();
    }
}
