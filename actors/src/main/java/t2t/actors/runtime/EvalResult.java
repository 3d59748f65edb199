package t2t.actors.runtime;

/**
 * Accuracy on the eval split: top-1 and top-5 as fractions, per-class top-1, and the confusion
 * matrix {@code confusion[true][predicted]}.
 */
public record EvalResult(double top1, double top5, long samples, double[] perClassTop1, long[][] confusion) {}
