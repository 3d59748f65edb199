package t2t.actors.engine;

import t2t.actors.runtime.ShardOptimizer;
import t2t.actors.runtime.ShardRange;
import t2t.model.optim.AdamW;
import t2t.model.optim.AdamWState;
import t2t.model.optim.DecayMask;
import t2t.model.optim.ModelEma;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;

/**
 * One shard's AdamW (decoupled weight decay, none on 1-D parameters, tokens and position tables),
 * at the learning rate the schedule gives for the step, plus the shard's slice of the model EMA.
 * Buffer entries (BatchNorm running statistics) take the workers' average instead of an update.
 */
public final class AdamWShard implements ShardOptimizer {
    private final AdamW adamw;
    private final LongToDoubleFunction lr;
    private final DecayMask mask;
    private final int[][] bufferRuns;
    private final ModelEma ema;
    private AdamWState state;
    private float[] emaValues;

    public AdamWShard(ShardRange range, FlatSlots slots, AdamW.Hyper hyper, LongToDoubleFunction lr, Double emaDecay) {
        this.adamw = new AdamW(hyper);
        this.lr = lr;
        List<int[]> runs = slots.runs(range.offset(), range.length());
        int[] bounds = new int[runs.size() + 1];
        boolean[] decay = new boolean[runs.size()];
        List<int[]> buffers = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            int[] r = runs.get(i);
            bounds[i + 1] = r[1];
            decay[i] = r[2] == FlatSlots.Kind.DECAY.ordinal();
            if (r[2] == FlatSlots.Kind.BUFFER.ordinal()) {
                buffers.add(new int[] {r[0], r[1]});
            }
        }
        this.mask = new DecayMask(bounds, decay);
        this.bufferRuns = buffers.toArray(int[][]::new);
        this.state = AdamWState.zeros(range.offset(), range.length());
        this.ema = emaDecay == null ? null : new ModelEma(emaDecay);
    }

    @Override
    public void update(long step, float[] params, float[] grad, float gradScale) {
        state = adamw.step(params, 0, grad, 0, gradScale, state, mask, lr.applyAsDouble(step));
        // Buffers carry the workers' averaged values in the gradient's place.
        for (int[] r : bufferRuns) {
            System.arraycopy(grad, r[0], params, r[0], r[1] - r[0]);
        }
        if (ema != null) {
            if (emaValues == null) {
                emaValues = params.clone();
            } else {
                ema.update(emaValues, 0, params, 0, params.length);
            }
        }
    }

    @Override
    public double gradSumSquares(float[] grad) {
        double sq = 0;
        int[] bounds = mask.bounds();
        int b = 0;
        for (int r = 0; r < bounds.length - 1; r++) {
            boolean buffer = b < bufferRuns.length && bufferRuns[b][0] == bounds[r];
            if (buffer) {
                b++;
                continue;
            }
            for (int i = bounds[r]; i < bounds[r + 1]; i++) {
                sq += (double) grad[i] * grad[i];
            }
        }
        return sq;
    }

    @Override
    public Map<String, float[]> state() {
        Map<String, float[]> m = new LinkedHashMap<>();
        m.put("exp_avg", state.expAvg().clone());
        m.put("exp_avg_sq", state.expAvgSq().clone());
        m.put("step", new float[] {Float.intBitsToFloat((int) state.step()), Float.intBitsToFloat((int) (state.step() >>> 32))});
        if (emaValues != null) {
            m.put("ema", emaValues.clone());
        }
        return m;
    }

    @Override
    public void restore(Map<String, float[]> s) {
        float[] st = s.get("step");
        long step = (Float.floatToRawIntBits(st[0]) & 0xFFFFFFFFL) | ((long) Float.floatToRawIntBits(st[1]) << 32);
        state = new AdamWState(state.offset(), step, s.get("exp_avg").clone(), s.get("exp_avg_sq").clone());
        emaValues = s.containsKey("ema") ? s.get("ema").clone() : null;
    }

    @Override
    public float[] ema() {
        return emaValues;
    }
}
