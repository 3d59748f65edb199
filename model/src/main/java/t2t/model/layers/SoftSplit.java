package t2t.model.layers;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code nn.Unfold(k, s, p)} followed by {@code transpose(1, 2)}: [B, C, H, W] -> [B, L, C*k*k],
 * feature index {@code c*k*k + ki*k + kj}, tokens row-major.
 *
 * <p>Pure data movement, exact by construction on every CPU: the input is zero-padded, flattened
 * per sample, and one {@code gather} picks, for every output element, the input element it copies
 * (an index table per input shape and split, built once). Its backward is a scatter-add of the
 * output gradient into the input's positions. An earlier version ran a grouped one-hot convolution:
 * oneDNN's AVX-512 convolution kernels returned wrong values for it on AMD EPYC (Zen 4) CPUs, and no
 * test on an AVX2 or Intel machine could see it. The gather is also about twice as fast as that
 * convolution forward + backward at the official split's shapes.
 */
public final class SoftSplit {
    /** Index tables, one per (device, input shape, split); they live as long as the process. */
    private static final Map<Key, NDArray> INDICES = new ConcurrentHashMap<>();
    private static final NDManager TABLES = NDManager.newBaseManager();

    private record Key(Device device, int channels, int height, int width, SplitSpec spec) {}

    private final SplitSpec spec;

    public SoftSplit(SplitSpec spec) {
        this.spec = spec;
    }

    public SplitSpec spec() {
        return spec;
    }

    public NDArray apply(NDArray x) {
        Shape s = x.getShape();
        long b = s.get(0);
        int c = Math.toIntExact(s.get(1));
        int h = Math.toIntExact(s.get(2));
        int w = Math.toIntExact(s.get(3));
        int p = spec.padding();
        int tokens = spec.outSize(h) * spec.outSize(w);
        NDArray table = INDICES.computeIfAbsent(new Key(x.getDevice(), c, h, w, spec), SoftSplit::table);
        long n = table.getShape().get(1);
        NDArray index = table.broadcast(b, n); // (B, L*C*k*k), a view: no copy per sample
        index.attach(x.getManager());
        NDArray padded = p == 0 ? x : x.pad(new Shape(p, p, p, p), 0); // (B, C, H+2p, W+2p)
        NDArray flat = padded.reshape(b, (long) c * (h + 2L * p) * (w + 2L * p));
        NDArray cols = flat.gather(index, 1); // (B, L*C*k*k)
        return cols.reshape(b, tokens, n / tokens); // (B, L, C*k*k)
    }

    /** For output element (token r*ow + q, feature ch*k*k + ki*k + kj): its flat position in the padded input. */
    private static NDArray table(Key key) {
        SplitSpec sp = key.spec();
        int k = sp.kernel();
        int st = sp.stride();
        int hp = key.height() + 2 * sp.padding();
        int wp = key.width() + 2 * sp.padding();
        int oh = sp.outSize(key.height());
        int ow = sp.outSize(key.width());
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("soft split " + sp + " does not fit a " + key.height() + "x"
                    + key.width() + " input");
        }
        long[] idx = new long[Math.multiplyExact(Math.multiplyExact(oh * ow, key.channels()), k * k)];
        int n = 0;
        for (int r = 0; r < oh; r++) {
            for (int q = 0; q < ow; q++) {
                for (int ch = 0; ch < key.channels(); ch++) {
                    for (int ki = 0; ki < k; ki++) {
                        long row = ((long) ch * hp + r * st + ki) * wp + (long) q * st;
                        for (int kj = 0; kj < k; kj++) {
                            idx[n++] = row + kj;
                        }
                    }
                }
            }
        }
        NDArray t = TABLES.create(idx, new Shape(1, idx.length));
        return key.device().equals(t.getDevice()) ? t : t.toDevice(key.device(), false);
    }
}
