package t2t.model.optim;

/**
 * DeiT's linear learning-rate scaling, {@code lr * total_batch / 512}. Explicit and opt-in: the
 * T2T-ViT recipe does not scale (its lr is given for its batch), DeiT's does.
 */
public record LrScaling(double baseLr, int totalBatch, boolean enabled) {

    public static final int REFERENCE_BATCH = 512;

    public LrScaling {
        if (totalBatch <= 0) {
            throw new IllegalArgumentException("total batch must be positive, got " + totalBatch);
        }
    }

    public double lr() {
        return enabled ? baseLr * totalBatch / REFERENCE_BATCH : baseLr;
    }

    /** One line for the run log, e.g. {@code lr 0.0005 x 256/512 = 0.00025 (DeiT linear scaling)}. */
    public String describe() {
        return enabled
                ? String.format("lr %.6g x %d/%d = %.6g (DeiT linear scaling)", baseLr, totalBatch, REFERENCE_BATCH, lr())
                : String.format("lr %.6g (no batch scaling; total batch %d)", baseLr, totalBatch);
    }
}
