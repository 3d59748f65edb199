package t2t.loader.transform;

/**
 * {@code ToTensor} then {@code Normalize(mean, std)}: HWC bytes to CHW floats,
 * {@code (v / 255 - mean) / std} in float32 as torch computes it, through a 256-entry table per
 * channel.
 */
public final class Normalize {
    private final float[][] table;

    public Normalize(float[] mean, float[] std) {
        if (mean.length != std.length) {
            throw new IllegalArgumentException("mean and std need the same length");
        }
        table = new float[mean.length][256];
        for (int c = 0; c < mean.length; c++) {
            for (int v = 0; v < 256; v++) {
                float t = (float) v / 255f;
                table[c][v] = (t - mean[c]) / std[c];
            }
        }
    }

    public int channels() {
        return table.length;
    }

    /** Writes the CHW floats of {@code f} (whose channels must equal {@link #channels()}) at {@code offset}. */
    public void apply(Frame f, float[] out, int offset) {
        int ch = f.channels;
        int plane = f.width * f.height;
        byte[] px = f.pixels;
        for (int c = 0; c < ch; c++) {
            float[] t = table[c];
            int o = offset + c * plane;
            for (int i = 0, p = c; i < plane; i++, p += ch) {
                out[o + i] = t[px[p] & 0xFF];
            }
        }
    }
}
