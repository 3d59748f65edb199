package t2t.model.teacher;

import ai.djl.ndarray.NDArray;

/**
 * What a teacher gives for one mixed batch; both arrays are attached to the input's manager and
 * carry no gradient.
 *
 * @param globalLogits {@code [B, classes]} (distillation target)
 * @param tokenTargets {@code [B, gh*gw, classes]} probabilities, row-major tokens; null when no
 *     token grid was asked for
 */
public record TeacherTargets(NDArray globalLogits, NDArray tokenTargets) {}
