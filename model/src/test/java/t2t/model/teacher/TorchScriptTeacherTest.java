package t2t.model.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static t2t.model.testing.References.floats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import t2t.model.testing.References;
import t2t.protocol.UserInputException;

/** TorchScript teachers made by resources/teacher/make_torchscript_teachers.py, against torch's numbers. */
class TorchScriptTeacherTest {

    private static final JsonNode REF = References.load("/teacher/expected.json");

    private static Path resource(String name) {
        try {
            return Path.of(TorchScriptTeacherTest.class.getResource("/teacher/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static NDArray input(NDManager m) {
        JsonNode s = REF.get("input_shape");
        return m.create(floats(REF.get("input")), new Shape(s.get(0).asLong(), s.get(1).asLong(), s.get(2).asLong(), s.get(3).asLong()));
    }

    private static void checkAllGrids(Teacher teacher) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = input(m);
            Iterator<Map.Entry<String, JsonNode>> grids = REF.get("grids").fields();
            while (grids.hasNext()) {
                Map.Entry<String, JsonNode> g = grids.next();
                String[] hw = g.getKey().split("x");
                TokenGrid grid = new TokenGrid(Integer.parseInt(hw[0]), Integer.parseInt(hw[1]));
                TeacherTargets t = teacher.targets(x, grid);
                assertEquals(new Shape(2, grid.tokens(), 4), t.tokenTargets().getShape());
                double gd = References.maxAbsDiff(floats(REF.get("global")), t.globalLogits().toFloatArray());
                double td = References.maxAbsDiff(floats(g.getValue()), t.tokenTargets().toFloatArray());
                assertTrue(gd < 1e-5, teacher.name() + " global logits differ by " + gd);
                assertTrue(td < 1e-5, teacher.name() + " token targets on " + g.getKey() + " differ by " + td);
                assertFalse(t.globalLogits().hasGradient());
            }
        }
    }

    @Test
    void denseModuleMatchesTorch() {
        try (TorchScriptTeacher t = TorchScriptTeacher.load(resource("tiny_dense.pt"), 1, 12)) {
            assertEquals(4, t.numClasses());
            assertTrue(t.hasDenseOutput());
            checkAllGrids(t);
        }
    }

    @Test
    void tokenShapedLocationsAreReadAsASquareGrid() {
        try (TorchScriptTeacher t = TorchScriptTeacher.load(resource("tiny_tokens.pt"), 1, 12)) {
            checkAllGrids(t);
        }
    }

    @Test
    void globalOnlyModuleDistillsButRefusesTokenTargets() {
        try (TorchScriptTeacher t = TorchScriptTeacher.load(resource("tiny_global.pt"), 1, 12);
             NDManager m = NDManager.newBaseManager()) {
            assertFalse(t.hasDenseOutput());
            NDArray x = input(m);
            TeacherTargets targets = t.targets(x, null);
            assertNull(targets.tokenTargets());
            assertTrue(References.maxAbsDiff(floats(REF.get("global")), targets.globalLogits().toFloatArray()) < 1e-5);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.targets(x, new TokenGrid(3, 3)));
            assertTrue(e.getMessage().contains("token labeling off"), e.getMessage());
        }
    }

    @Test
    void targetsLiveInTheCallersManagerAndIntermediatesDie() {
        try (TorchScriptTeacher t = TorchScriptTeacher.load(resource("tiny_dense.pt"), 1, 12);
             NDManager m = NDManager.newBaseManager()) {
            NDArray x = input(m);
            int before = m.getManagedArrays().size();
            TeacherTargets targets = t.targets(x, new TokenGrid(3, 3));
            assertEquals(m, targets.globalLogits().getManager());
            assertEquals(m, targets.tokenTargets().getManager());
            assertEquals(m, x.getManager(), "the input returns to its manager");
            assertEquals(before + 2, m.getManagedArrays().size(), "only the two targets are added");
        }
    }

    @Test
    void badFilesAreUserErrors() {
        assertThrows(UserInputException.class, () -> TorchScriptTeacher.load(Path.of("/nonexistent/teacher.pt"), 1, 12));
        assertThrows(UserInputException.class, () -> TorchScriptTeacher.load(resource("expected.json"), 1, 12));
    }
}
