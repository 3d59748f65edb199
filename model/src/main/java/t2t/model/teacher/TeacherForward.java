package t2t.model.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

/**
 * How a {@link BlockTeacher} runs its block: eval mode, no gradient collector, returning outputs
 * in the {@link TeacherOutputs} contract ({@code [global [B, C], optional per-location]}). Lets a
 * model whose own forward returns something else (a T2T-ViT checkpoint returning cls, dist and aux
 * logits) serve as a teacher: e.g. {@code (ps, x) -> pick(net.forward(ps, new NDList(x), false))}.
 */
@FunctionalInterface
public interface TeacherForward {

    NDList apply(ParameterStore ps, NDArray images);
}
