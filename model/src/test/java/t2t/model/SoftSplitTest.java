package t2t.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import t2t.model.io.Tensor;
import t2t.model.layers.SoftSplit;
import t2t.model.layers.SplitSpec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Our unfold equals torch's nn.Unfold(...).transpose(1, 2), values and feature order, bit for bit. */
@org.junit.jupiter.api.extension.ExtendWith(t2t.model.check.IsaCap.class)
class SoftSplitTest {

    @ParameterizedTest
    @CsvSource({"7,4,2", "3,2,1", "3,1,1", "2,2,0"})
    void equalsTorchUnfold(int k, int s, int p) {
        Tensor in = Fixtures.npy("unfold.input.npy"); // [2, 3, 9, 11], odd sizes on purpose
        Tensor expected = Fixtures.npy("unfold.k" + k + "s" + s + "p" + p + ".npy");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(in.values(), new Shape(in.shape()));
            NDArray y = new SoftSplit(new SplitSpec(k, s, p)).apply(x);
            assertArrayEquals(expected.shape(), y.getShape().getShape());
            assertArrayEquals(expected.values(), y.toFloatArray(), 0f);
        }
    }

    @ParameterizedTest
    @CsvSource({"3,2,1", "7,4,2"})
    void matchesTheUnfoldDefinition(int k, int s, int p) {
        // feature c*k*k + ki*k + kj of token (r, q) is x[c, r*s + ki - p, q*s + kj - p] (0 outside)
        int c = 2;
        int h = 10;
        int w = 7;
        float[] v = new float[c * h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = i + 1;
        }
        int oh = (h + 2 * p - k) / s + 1;
        int ow = (w + 2 * p - k) / s + 1;
        float[] expected = new float[oh * ow * c * k * k];
        for (int r = 0; r < oh; r++) {
            for (int q = 0; q < ow; q++) {
                for (int ch = 0; ch < c; ch++) {
                    for (int ki = 0; ki < k; ki++) {
                        for (int kj = 0; kj < k; kj++) {
                            int y = r * s + ki - p;
                            int xx = q * s + kj - p;
                            float val = y < 0 || y >= h || xx < 0 || xx >= w ? 0f : v[(ch * h + y) * w + xx];
                            expected[(r * ow + q) * c * k * k + ch * k * k + ki * k + kj] = val;
                        }
                    }
                }
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(v, new Shape(1, c, h, w));
            assertArrayEquals(expected, new SoftSplit(new SplitSpec(k, s, p)).apply(x).toFloatArray(), 0f);
        }
    }
}
