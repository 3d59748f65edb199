package t2t.model.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The teacher's token targets move with the image: a horizontal flip flips them across the grid,
 * a shift by one token's worth of pixels shifts them by one token. Uses the real resnet_tiny
 * (total stride 4) with its 3x3 kernels made left-right symmetric so the net is exactly
 * flip-equivariant on odd input widths (stride-2 sampling then picks mirror positions).
 */
class DenseTargetAlignmentTest {

    private NDManager m;
    private BlockTeacher teacher;

    @BeforeEach
    void build() {
        Engine.getInstance().setRandomSeed(11);
        m = NDManager.newBaseManager();
        CnnNet net = CnnTeachers.create("resnet_tiny", 6, 1, 33);
        CnnTeachers.initialize(net, m, 1, 33);
        for (Pair<String, Parameter> p : net.getParameters()) {
            NDArray w = p.getValue().getArray();
            if (w.getShape().dimension() == 4) {
                w.set(w.add(w.flip(3)).div(2).toFloatArray()); // symmetric along the width
            }
        }
        // non-trivial BatchNorm running statistics: a few training-mode batches
        ParameterStore ps = new ParameterStore(m, false);
        for (int i = 0; i < 3; i++) {
            try (NDManager s = m.newSubManager()) {
                net.forward(ps, new NDList(s.randomNormal(new Shape(8, 1, 33, 33)).mul(2).add(0.5)), true);
            }
        }
        teacher = new BlockTeacher("resnet_tiny", net, null);
    }

    @AfterEach
    void close() {
        teacher.close();
        m.close();
    }

    /** Token targets as [B, gh, gw, C]. */
    private NDArray grid(NDArray images, int gh, int gw) {
        NDArray t = teacher.targets(images, new TokenGrid(gh, gw)).tokenTargets();
        return t.reshape(t.getShape().get(0), gh, gw, t.getShape().get(2));
    }

    private static double maxDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    @Test
    void flippingTheImageFlipsTheTargets() {
        NDArray x = m.randomNormal(new Shape(2, 1, 33, 33));
        NDArray xf = x.flip(3);
        for (int[] g : new int[][] {{9, 9}, {4, 4}, {5, 7}}) {
            NDArray t = grid(x, g[0], g[1]);
            NDArray tf = grid(xf, g[0], g[1]);
            assertTrue(maxDiff(t.flip(2), tf) < 1e-5, "flip equivariance on " + g[0] + "x" + g[1]);
            assertTrue(maxDiff(t, tf) > 1e-3, "the control: targets do depend on the orientation");
        }
    }

    @Test
    void shiftingByOneTokenShiftsTheTargets() {
        // resnet_tiny: total stride 4, receptive field 37 px, so a feature column is exact when it
        // sits more than 5 columns (18 px + the column's own extent) from either crop edge
        int stride = CnnTeachers.config("resnet_tiny").totalStride();
        assertEquals(4, stride);
        NDArray x = m.randomNormal(new Shape(2, 1, 32, 128));
        NDArray a = x.get(new NDIndex(":, :, :, 0:96"));
        NDArray b = x.get(new NDIndex(":, :, :, " + stride + ":" + (96 + stride)));
        int gw = 96 / stride;
        NDArray ta = grid(a, 8, gw);
        NDArray tb = grid(b, 8, gw);
        int margin = 6;
        NDArray bInterior = tb.get(new NDIndex(":, :, " + margin + ":" + (gw - margin)));
        NDArray aShifted = ta.get(new NDIndex(":, :, " + (margin + 1) + ":" + (gw - margin + 1)));
        NDArray aSame = ta.get(new NDIndex(":, :, " + margin + ":" + (gw - margin)));
        assertTrue(maxDiff(bInterior, aShifted) < 1e-5, "interior tokens move by one");
        assertTrue(maxDiff(bInterior, aSame) > 1e-3, "the control: unshifted tokens differ");
    }

    @Test
    void locationLogitsAverageToTheGlobalLogits() {
        CnnNet net = CnnTeachers.create("resnet_tiny", 6, 1, 28);
        CnnTeachers.initialize(net, m, 1, 28);
        NDArray x = m.randomNormal(new Shape(3, 1, 28, 28));
        NDList out = net.locationLogits(new ParameterStore(m, false), x);
        assertEquals(new Shape(3, 6, 7, 7), out.get(1).getShape(), "28 px at stride 4: a 7x7 map");
        NDArray mean = out.get(1).reshape(3, 6, 49).mean(new int[] {2});
        assertTrue(maxDiff(mean, out.get(0)) < 1e-5);
        NDArray evalForward = net.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
        assertTrue(maxDiff(evalForward, out.get(0)) < 1e-5);
        NDArray rows = teacher.targets(m.randomNormal(new Shape(2, 1, 33, 33)), new TokenGrid(3, 3)).tokenTargets().sum(new int[] {2});
        assertTrue(maxDiff(rows, m.ones(rows.getShape())) < 1e-5, "token targets are distributions");
    }
}
