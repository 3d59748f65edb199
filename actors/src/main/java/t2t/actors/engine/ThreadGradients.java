package t2t.actors.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Gradient recording for the calling thread only. DJL's {@code GradientCollector} on the PyTorch
 * engine is a process-wide singleton ("only one can be collecting at a time"), which would
 * serialize the workers of one JVM; libtorch's grad mode itself is thread-local, so each worker
 * thread switches it on for its own forward and backward.
 */
final class ThreadGradients implements AutoCloseable {
    private final boolean previous;

    ThreadGradients() {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
    }

    /** Backward of a scalar loss (seed gradient 1), releasing the graph. */
    void backward(NDArray loss) {
        try (NDArray seed = loss.onesLike()) {
            backward(loss, seed);
        }
    }

    /** Backward of {@code output} seeded with the gradient of the loss with respect to it, releasing its graph. */
    void backward(NDArray output, NDArray seed) {
        JniUtils.backward((PtNDArray) output, (PtNDArray) seed, false, false);
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
