package t2t.actors;

import t2t.actors.runtime.StudentCompute;
import t2t.actors.runtime.TrainBatch;

/**
 * A softmax-regression student in plain Java (flattened pixels -> classes), so the runtime's
 * arithmetic (sharding, averaging, ordering, accounting) can be tested exactly and fast without
 * an engine. Gradients are those of the batch-mean soft-target cross-entropy.
 */
final class SoftmaxStudent implements StudentCompute {
    private final int features;
    private final int classes;
    private final float[] params;

    SoftmaxStudent(int features, int classes) {
        this.features = features;
        this.classes = classes;
        this.params = new float[classes * features + classes];
    }

    @Override
    public int numParams() {
        return params.length;
    }

    @Override
    public float[] readParams() {
        return params.clone();
    }

    @Override
    public void writeParams(int offset, float[] data) {
        System.arraycopy(data, 0, params, offset, data.length);
    }

    private double[] logits(float[] x, int xOff) {
        double[] z = new double[classes];
        for (int c = 0; c < classes; c++) {
            double s = params[classes * features + c];
            for (int f = 0; f < features; f++) {
                s += params[c * features + f] * x[xOff + f];
            }
            z[c] = s;
        }
        return z;
    }

    @Override
    public StepLoss trainStep(TrainBatch b, long noiseSeed, float[] gradOut) {
        java.util.Arrays.fill(gradOut, 0f);
        double loss = 0;
        int n = b.size();
        for (int i = 0; i < n; i++) {
            double[] z = logits(b.pixels(), i * features);
            double max = Double.NEGATIVE_INFINITY;
            for (double v : z) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (double v : z) {
                sum += Math.exp(v - max);
            }
            for (int c = 0; c < classes; c++) {
                double p = Math.exp(z[c] - max) / sum;
                double t = b.targets()[i * classes + c];
                loss -= t * (z[c] - max - Math.log(sum));
                float g = (float) ((p - t) / n);
                for (int f = 0; f < features; f++) {
                    gradOut[c * features + f] += g * b.pixels()[i * features + f];
                }
                gradOut[classes * features + c] += g;
            }
        }
        float l = (float) (loss / Math.max(1, n));
        return new StepLoss(l, l, 0, 0);
    }

    @Override
    public float[] evalLogits(float[] pixels, int size, int channels, int height, int width) {
        float[] out = new float[size * classes];
        for (int i = 0; i < size; i++) {
            double[] z = logits(pixels, i * features);
            for (int c = 0; c < classes; c++) {
                out[i * classes + c] = (float) z[c];
            }
        }
        return out;
    }

    @Override
    public void close() {}
}
