package t2t.loader.mix;

/**
 * A CutMix rectangle, half-open: rows {@code [yl, yh)}, columns {@code [xl, xh)} (timm's
 * {@code yl, yh, xl, xh}). In pixels, or in tokens when it comes from a token grid.
 */
public record CutBox(int yl, int yh, int xl, int xh) {
    public int area() {
        return (yh - yl) * (xh - xl);
    }
}
