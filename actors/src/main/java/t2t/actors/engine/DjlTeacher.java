package t2t.actors.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import t2t.actors.runtime.TeacherCompute;
import t2t.actors.runtime.TrainBatch;
import t2t.model.teacher.Teacher;
import t2t.model.teacher.TeacherTargets;
import t2t.model.teacher.TokenGrid;

/**
 * Runs a teacher (a CNN, a checkpoint of ours, or TorchScript) on a batch's exact mixed pixels and
 * attaches its global logits and, with token labeling, the dense per-token targets.
 */
public final class DjlTeacher implements TeacherCompute {
    private final NDManager manager;
    private final Teacher teacher;
    private final boolean dense;

    public DjlTeacher(NDManager manager, Teacher teacher, boolean dense) {
        this.manager = manager;
        this.teacher = teacher;
        this.dense = dense;
    }

    @Override
    public TrainBatch teach(TrainBatch b) {
        if (b.size() == 0) {
            return b.withTeacher(new float[0], dense ? new float[0] : null);
        }
        try (NDManager step = manager.newSubManager()) {
            NDArray x = step.create(b.pixels(), new Shape(b.size(), b.channels(), b.height(), b.width()));
            TeacherTargets t = teacher.targets(x, dense ? new TokenGrid(b.gridH(), b.gridW()) : null);
            if (t.globalLogits().getShape().get(1) != b.numClasses()) {
                throw new IllegalStateException("teacher " + teacher.name() + " has " + t.globalLogits().getShape().get(1)
                        + " classes, the data " + b.numClasses());
            }
            return b.withTeacher(t.globalLogits().toFloatArray(), dense ? t.tokenTargets().toFloatArray() : null);
        }
    }

    @Override
    public void close() {
        teacher.close();
        manager.close();
    }
}
