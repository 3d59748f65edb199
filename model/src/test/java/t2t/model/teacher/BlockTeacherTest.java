package t2t.model.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class BlockTeacherTest {

    @Test
    void customForwardWithTokenShapedOutputsMatchesTheDensePath() {
        Engine.getInstance().setRandomSeed(5);
        try (NDManager m = NDManager.newBaseManager()) {
            CnnNet net = CnnTeachers.create("resnet_tiny", 5, 3, 28);
            CnnTeachers.initialize(net, m, 3, 28);
            // a ViT-like output: per-location logits as [B, h*w, C] on a non-square 7x9 map
            TeacherForward tokensOut = (ps, x) -> {
                NDList o = net.locationLogits(ps, x);
                NDArray loc = o.get(1); // (B, C, h, w)
                Shape s = loc.getShape();
                return new NDList(o.get(0), loc.transpose(0, 2, 3, 1).reshape(s.get(0), s.get(2) * s.get(3), s.get(1)));
            };
            BlockTeacher dense = new BlockTeacher("cnn", net, null);
            BlockTeacher tokens = new BlockTeacher("cnn-tokens", net, 5, tokensOut, null);
            NDArray x = m.randomNormal(new Shape(2, 3, 28, 36));
            TokenGrid grid = new TokenGrid(7, 9);
            TeacherTargets a = dense.targets(x, grid);
            TeacherTargets b = tokens.targets(x, grid);
            assertEquals(new Shape(2, 63, 5), a.tokenTargets().getShape());
            assertTrue(a.tokenTargets().sub(b.tokenTargets()).abs().max().getFloat() < 1e-6);
            assertTrue(a.globalLogits().sub(b.globalLogits()).abs().max().getFloat() < 1e-6);
            // a block with global logits only serves distillation, and refuses token targets
            BlockTeacher globalOnly = new BlockTeacher("cnn-global", net, 5, (ps, in) -> new NDList(net.locationLogits(ps, in).get(0)), null);
            assertEquals(new Shape(2, 5), globalOnly.targets(x, null).globalLogits().getShape());
            assertThrows(IllegalStateException.class, () -> globalOnly.targets(x, grid));
        }
    }
}
