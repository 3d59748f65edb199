package t2t.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import t2t.model.io.Npy;
import t2t.model.io.Tensor;
import t2t.model.layers.ParamSpec;

import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * Test fixtures: files made by model/tools/make_parity_fixtures.py from the official code, and
 * the "formula" weights that script and this class both compute bit for bit (splitmix64 of the
 * tensor and element index), so only logits need committing for the full-size models.
 */
public final class Fixtures {
    private Fixtures() {}

    public static Path resource(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/parity/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource parity/" + name, e);
        }
    }

    public static Tensor npy(String name) {
        return Npy.read(resource(name));
    }

    static double uniform(int t, long i) {
        long z = ((long) (t + 1) << 32) + i + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1p-53 * 2.0 - 1.0;
    }

    public static float[] formulaInput(long n) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) uniform(1000, i);
        }
        return v;
    }

    /** Sets every tensor as the fixture script's formula_tensor does (pos_embed: the sinusoid). */
    public static void setFormulaWeights(VisionModel model, NDManager manager) {
        int t = 0;
        for (ParamSpec s : model.parameterSpecs()) {
            long[] shape = s.shape().getShape();
            String name = s.name();
            float[] v = new float[Math.toIntExact(s.shape().size())];
            if (name.equals("pos_embed")) {
                v = s.init().values(s.shape(), null);
            } else {
                for (int i = 0; i < v.length; i++) {
                    double u = uniform(t, i);
                    double x;
                    if (name.endsWith(".w")) {
                        x = u * Math.sqrt(3.0);
                    } else if (name.equals("cls_token") || name.equals("dist_token")) {
                        x = u * 0.5;
                    } else if (shape.length == 1 && name.endsWith(".weight")) {
                        x = 1.0 + 0.1 * u;
                    } else if (shape.length == 1) {
                        x = 0.05 * u;
                    } else {
                        x = u * Math.sqrt(3.0 / shape[shape.length - 1]);
                    }
                    v[i] = (float) x;
                }
            }
            s.assign(manager, v, DataType.FLOAT32);
            t++;
        }
    }

    /** max |a - b| / max |b|. */
    public static double relError(float[] actual, float[] expected) {
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        return maxDiff / maxRef;
    }
}
