package t2t.model.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.function.BiFunction;

/**
 * The teacher output contract, shared by TorchScript files and DJL blocks:
 * <ul>
 *   <li>output 0: global logits {@code [B, C]};</li>
 *   <li>output 1 (optional): per-location logits, either {@code [B, C, h, w]} (a CNN's classifier
 *       as a 1x1 conv) or {@code [B, L, C]} (a ViT's aux head on L patch tokens; L is taken as the
 *       student's grid when it equals gh*gw, else as a square h = w = sqrt(L)).</li>
 * </ul>
 * Token targets are the per-location logits average-pooled (adaptive bins) to the student's grid,
 * then softmax over classes: {@code [B, gh*gw, C]}. A teacher with global logits only cannot give
 * token targets: asking for them is refused (broadcasting the global target to every token would
 * silently turn token labeling into plain label training).
 */
public final class TeacherOutputs {

    private TeacherOutputs() {}

    /** Checks the global logits; returns them. */
    public static NDArray global(NDList out, String teacherName) {
        if (out.isEmpty() || out.get(0).getShape().dimension() != 2) {
            throw new IllegalStateException("teacher " + teacherName + " must return global logits [B, C] first, got "
                    + (out.isEmpty() ? "nothing" : out.get(0).getShape()));
        }
        return out.get(0);
    }

    /** Token targets {@code [B, gh*gw, C]} from output 1. */
    public static NDArray tokenTargets(NDList out, TokenGrid grid, String teacherName) {
        NDArray global = global(out, teacherName);
        if (out.size() < 2) {
            throw new IllegalStateException("teacher " + teacherName + " returns global logits only, so it cannot give"
                    + " token targets: switch token labeling off, or export a teacher returning"
                    + " (logits [B,C], per-location logits [B,C,h,w])");
        }
        long b = global.getShape().get(0);
        long c = global.getShape().get(1);
        NDArray loc = out.get(1);
        Shape s = loc.getShape();
        NDArray nchw;
        if (s.dimension() == 4 && s.get(0) == b && s.get(1) == c) {
            nchw = loc;
        } else if (s.dimension() == 3 && s.get(0) == b && s.get(2) == c) {
            long l = s.get(1);
            long h;
            long w;
            if (l == grid.tokens()) {
                h = grid.height();
                w = grid.width();
            } else {
                h = Math.round(Math.sqrt(l));
                w = h;
                if (h * w != l) {
                    throw new IllegalStateException("teacher " + teacherName + " gives " + l
                            + " location tokens: neither the student's grid " + grid.height() + "x" + grid.width()
                            + " nor a square");
                }
            }
            nchw = loc.reshape(b, h, w, c).transpose(0, 3, 1, 2); // (B, C, h, w)
        } else {
            throw new IllegalStateException("teacher " + teacherName + " per-location logits must be [B, C, h, w] or"
                    + " [B, h*w, C] with B=" + b + ", C=" + c + "; got " + s);
        }
        NDArray pooled = GridPool.pool(nchw, grid.height(), grid.width()); // (B, C, gh, gw)
        return pooled.transpose(0, 2, 3, 1).reshape(b, grid.tokens(), c).softmax(-1); // (B, gh*gw, C)
    }

    /** Runs {@code forward} in a scope: intermediates die there, the targets join the images' manager. */
    static TeacherTargets scoped(NDArray images, TokenGrid grid, String teacherName,
                                 BiFunction<NDArray, ParameterStore, NDList> forward) {
        NDManager owner = images.getManager();
        try (NDManager scope = owner.newSubManager()) {
            images.tempAttach(scope);
            // a store per call: parameters are read in place (no copy); the scope only backs device moves
            NDList out = forward.apply(images, new ParameterStore(scope, false));
            NDArray global = global(out, teacherName).stopGradient();
            NDArray tokens = grid == null ? null : tokenTargets(out, grid, teacherName).stopGradient();
            global.attach(owner);
            if (tokens != null) {
                tokens.attach(owner);
            }
            return new TeacherTargets(global, tokens);
        }
    }
}
