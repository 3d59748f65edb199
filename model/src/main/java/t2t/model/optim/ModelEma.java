package t2t.model.optim;

/**
 * Exponential moving average of weights over the flat vector (or any slice of it), timm's
 * {@code ModelEmaV2}: after each optimizer step, {@code ema = decay * ema + (1 - decay) * model}.
 * ModelEmaV2 averages every floating tensor of the state dict, buffers included (BatchNorm running
 * statistics): give it the frozen floats too if the model has such buffers. Initialize the EMA as a
 * copy of the initial weights.
 */
public final class ModelEma {

    private final float decay;
    private final float oneMinusDecay;

    public ModelEma(double decay) {
        if (!(decay >= 0 && decay <= 1)) {
            throw new IllegalArgumentException("EMA decay must be in [0, 1], got " + decay);
        }
        this.decay = (float) decay;
        this.oneMinusDecay = (float) (1 - decay);
    }

    public double decay() {
        return decay;
    }

    /** {@code ema[eOff..] = decay * ema + (1 - decay) * model[mOff..]} over {@code len} elements. */
    public void update(float[] ema, int eOff, float[] model, int mOff, int len) {
        for (int i = 0; i < len; i++) {
            ema[eOff + i] = decay * ema[eOff + i] + oneMinusDecay * model[mOff + i];
        }
    }
}
