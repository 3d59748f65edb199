package t2t.model.optim;

/**
 * Global-norm gradient clipping across slices, {@code torch.nn.utils.clip_grad_norm_} semantics
 * (L2 norm, {@code coef = min(1, max_norm / (total_norm + 1e-6))}). Each slice owner reports the sum
 * of squares of its (averaged) gradient slice; {@link #scale} combines them; every owner then passes
 * the same factor to {@link AdamW#step} as {@code gradScale}. Non-finite norms are not an error here
 * (torch's default): the caller sees {@link Result#finite()} and may skip the step.
 */
public final class GradClip {

    /** The combined norm and the factor every gradient is multiplied by. */
    public record Result(double totalNorm, float scale) {
        public boolean finite() {
            return Double.isFinite(totalNorm);
        }
    }

    private GradClip() {}

    /** Sum of squares of {@code g[off .. off + len)}, accumulated in double. */
    public static double sumOfSquares(float[] g, int off, int len) {
        double s = 0;
        for (int i = off; i < off + len; i++) {
            double x = g[i];
            s += x * x;
        }
        return s;
    }

    /**
     * The clipping factor from the slices' sums of squares. {@code maxNorm <= 0} means no clipping
     * (factor 1; the norm is still reported for logging).
     */
    public static Result scale(double[] sliceSumsOfSquares, double maxNorm) {
        double total = 0;
        for (double s : sliceSumsOfSquares) {
            total += s;
        }
        double norm = Math.sqrt(total);
        if (maxNorm <= 0) {
            return new Result(norm, 1f);
        }
        double coef = maxNorm / (norm + 1e-6);
        return new Result(norm, (float) Math.min(coef, 1.0));
    }
}
