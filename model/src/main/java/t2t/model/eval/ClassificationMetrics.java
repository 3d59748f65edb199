package t2t.model.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Top-1, top-5 and per-class accuracy plus the confusion matrix, accumulated batch by batch from
 * logits and labels. Engine-free ({@code float[]} logits) so shards of an eval set can be counted
 * anywhere and {@link #merge merged}. Ties in top-k go to the lower class index, as a stable sort
 * would; a sample whose logits contain NaN counts as wrong everywhere and is left out of the
 * confusion matrix (counted in {@link #nanSamples()}).
 */
public final class ClassificationMetrics {

    private final int classes;
    private final long[][] confusion;
    private final long[] nanPerClass;
    private long count;
    private long top1Hits;
    private long top5Hits;

    public ClassificationMetrics(int classes) {
        if (classes <= 0) {
            throw new IllegalArgumentException("classes must be positive, got " + classes);
        }
        this.classes = classes;
        this.confusion = new long[classes][classes];
        this.nanPerClass = new long[classes];
    }

    public int classes() {
        return classes;
    }

    /** Logits as an NDArray {@code [B, classes]}, labels {@code [B]}: copies both to the host. */
    public void update(NDArray logits, NDArray labels) {
        long[] l = labels.toType(DataType.INT64, false).toLongArray();
        int[] li = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            li[i] = (int) l[i];
        }
        update(logits.toType(DataType.FLOAT32, false).toFloatArray(), li);
    }

    /** Row-major logits {@code [labels.length * classes]}. */
    public void update(float[] logits, int[] labels) {
        if (logits.length != (long) labels.length * classes) {
            throw new IllegalArgumentException("logits hold " + logits.length + " values, expected "
                    + labels.length + " x " + classes);
        }
        for (int i = 0; i < labels.length; i++) {
            int y = labels[i];
            if (y < 0 || y >= classes) {
                throw new IllegalArgumentException("label " + y + " outside [0, " + classes + ")");
            }
            int off = i * classes;
            float target = logits[off + y];
            int better = 0; // classes ranked above the label
            int pred = 0;
            boolean nan = Float.isNaN(target);
            for (int c = 0; c < classes; c++) {
                float v = logits[off + c];
                nan |= Float.isNaN(v);
                if (v > target || (v == target && c < y)) {
                    better++;
                }
                if (v > logits[off + pred]) {
                    pred = c;
                }
            }
            count++;
            if (!nan) {
                if (better == 0) {
                    top1Hits++;
                }
                if (better < 5) {
                    top5Hits++;
                }
            }
            if (nan) {
                nanPerClass[y]++;
            } else {
                confusion[y][pred]++;
            }
        }
    }

    /** Adds another accumulator's counts (same class count). */
    public void merge(ClassificationMetrics other) {
        if (other.classes != classes) {
            throw new IllegalArgumentException("cannot merge " + other.classes + "-class metrics into " + classes);
        }
        count += other.count;
        top1Hits += other.top1Hits;
        top5Hits += other.top5Hits;
        for (int i = 0; i < classes; i++) {
            nanPerClass[i] += other.nanPerClass[i];
            for (int j = 0; j < classes; j++) {
                confusion[i][j] += other.confusion[i][j];
            }
        }
    }

    public long count() {
        return count;
    }

    /** Fraction in [0, 1]; 0 before any sample. */
    public double top1() {
        return count == 0 ? 0 : (double) top1Hits / count;
    }

    /** Fraction in [0, 1]; with fewer than 5 classes every sample is a top-5 hit. */
    public double top5() {
        return count == 0 ? 0 : (double) top5Hits / count;
    }

    /** Per true class: correct / samples of that class (NaN for a class never seen). */
    public double[] perClassAccuracy() {
        double[] acc = new double[classes];
        for (int i = 0; i < classes; i++) {
            long row = nanPerClass[i];
            for (long v : confusion[i]) {
                row += v;
            }
            acc[i] = row == 0 ? Double.NaN : (double) confusion[i][i] / row;
        }
        return acc;
    }

    /** Samples whose logits held a NaN. */
    public long nanSamples() {
        long n = 0;
        for (long v : nanPerClass) {
            n += v;
        }
        return n;
    }

    /** {@code [true class][predicted class]} counts (a copy). */
    public long[][] confusionMatrix() {
        long[][] copy = new long[classes][];
        for (int i = 0; i < classes; i++) {
            copy[i] = confusion[i].clone();
        }
        return copy;
    }
}
