package t2t.actors.runtime;

/**
 * One worker's batch for one step as it travels loader -> teacher -> worker: engine-free arrays,
 * never NDArrays. Pixels are normalized NCHW; targets are soft (mixed, smoothed) [B, classes].
 * The teacher fills {@code teacherLogits} [B, classes] and {@code tokenTargets}
 * [B, gridH * gridW, classes] (probabilities) when it is on.
 */
public record TrainBatch(
        long step,
        long epoch,
        int size,
        int channels,
        int height,
        int width,
        float[] pixels,
        int numClasses,
        float[] targets,
        int[] labels,
        long[] sampleIds,
        long[] skippedIds,
        int gridH,
        int gridW,
        float[] teacherLogits,
        float[] tokenTargets) {

    public TrainBatch withTeacher(float[] logits, float[] tokens) {
        return new TrainBatch(step, epoch, size, channels, height, width, pixels, numClasses, targets, labels,
                sampleIds, skippedIds, gridH, gridW, logits, tokens);
    }
}
