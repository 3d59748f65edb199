package t2t.loader;

/**
 * How a batch was mixed, for logs and for consumers that need the box (token-grid CutMix).
 *
 * @param lambda weight of each sample's own label (1 when unmixed); after CutMix, the
 *               area-corrected value. Rows are {@code [top, bottom) x [left, right)}; all 0 unless CutMix.
 */
public record MixParams(Kind kind, double lambda, int top, int bottom, int left, int right) {
    public enum Kind { NONE, MIXUP, CUTMIX }

    public static final MixParams NONE = new MixParams(Kind.NONE, 1.0, 0, 0, 0, 0);
}
