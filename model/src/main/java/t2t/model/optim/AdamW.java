package t2t.model.optim;

/**
 * AdamW on a slice of the flat parameter vector, exactly as {@code torch.optim.AdamW} (non-amsgrad,
 * single-tensor path): decoupled decay {@code p -= lr * wd * p} first, then the moment updates, then
 * {@code p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)}. Float arithmetic per element
 * as torch does it; the bias corrections in double as Python computes them.
 *
 * <p>An aggregator that owns {@code [offset, offset + length)} calls {@link #step} with its slice of
 * parameters and averaged gradients, its {@link AdamWState} and the matching
 * {@link FlatLayout#decayMask(int, int) decay mask}; nothing here depends on other slices, so
 * shards update independently (ZeRO-1).
 */
public final class AdamW {

    /** Hyper-parameters; torch's defaults for betas and eps, T2T-ViT's 0.05 weight decay. */
    public record Hyper(double beta1, double beta2, double eps, double weightDecay) {
        public static final Hyper DEFAULT = new Hyper(0.9, 0.999, 1e-8, 0.05);

        public Hyper {
            if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("betas must be in [0, 1): " + beta1 + ", " + beta2);
            }
            if (!(eps > 0) || !(weightDecay >= 0)) {
                throw new IllegalArgumentException("eps must be > 0 and weight decay >= 0");
            }
        }

        public Hyper withWeightDecay(double wd) {
            return new Hyper(beta1, beta2, eps, wd);
        }
    }

    private final Hyper hyper;

    public AdamW(Hyper hyper) {
        this.hyper = hyper;
    }

    public Hyper hyper() {
        return hyper;
    }

    /**
     * One update of a slice, in place on {@code params} and the state's moments.
     *
     * @param params parameters; the slice is {@code params[pOff .. pOff + len)}
     * @param grads gradients (already averaged over workers); {@code grads[gOff .. gOff + len)}
     * @param gradScale multiplies each gradient first: the clipping factor from
     *     {@link GradClip#scale}, 1 for none (torch's {@code clip_grad_norm_} scales the
     *     gradients in place before the step; this is the same float product)
     * @param state this slice's state; its length is the slice length
     * @param mask decay runs of this slice ({@code mask.length() == state.length()})
     * @param lr this step's learning rate (from the schedule)
     * @return the state after the step (same arrays, step count + 1)
     */
    public AdamWState step(
            float[] params, int pOff, float[] grads, int gOff, float gradScale,
            AdamWState state, DecayMask mask, double lr) {
        int len = state.length();
        if (mask.length() != len) {
            throw new IllegalArgumentException("decay mask covers " + mask.length() + " elements, slice has " + len);
        }
        if (pOff < 0 || pOff + len > params.length || gOff < 0 || gOff + len > grads.length) {
            throw new IllegalArgumentException("slice of " + len + " out of the parameter or gradient array");
        }
        long t = state.step() + 1;
        float b1 = (float) hyper.beta1();
        float b2 = (float) hyper.beta2();
        float oneMinusB1 = (float) (1 - hyper.beta1());
        float oneMinusB2 = (float) (1 - hyper.beta2());
        float eps = (float) hyper.eps();
        double biasCorrection1 = 1 - Math.pow(hyper.beta1(), t);
        double biasCorrection2 = 1 - Math.pow(hyper.beta2(), t);
        float stepSize = (float) (lr / biasCorrection1);
        float bc2Sqrt = (float) Math.sqrt(biasCorrection2);
        float decayFactor = (float) (1 - lr * hyper.weightDecay());
        float[] m = state.expAvg();
        float[] v = state.expAvgSq();
        int[] bounds = mask.bounds();
        boolean[] decay = mask.decay();
        for (int r = 0; r < decay.length; r++) {
            float keep = decay[r] ? decayFactor : 1f;
            int end = bounds[r + 1];
            for (int i = bounds[r]; i < end; i++) {
                float g = grads[gOff + i] * gradScale;
                float p = params[pOff + i] * keep;
                float mi = m[i] * b1 + g * oneMinusB1;
                float vi = v[i] * b2 + g * g * oneMinusB2;
                m[i] = mi;
                v[i] = vi;
                params[pOff + i] = p - stepSize * (mi / ((float) Math.sqrt(vi) / bc2Sqrt + eps));
            }
        }
        return state.advanced();
    }
}
