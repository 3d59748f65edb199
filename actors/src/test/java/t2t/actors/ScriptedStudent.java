package t2t.actors;

import t2t.actors.runtime.StudentCompute;
import t2t.actors.runtime.TrainBatch;

import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The softmax student of {@link TestJobs}, with a fault from step {@code faultStep} on: it throws
 * (the worker dies) or its compute thread blocks on {@code release} (a real hung thread, as a
 * wedged native call looks to the JVM). Every step it trained goes to {@code trained}.
 */
final class ScriptedStudent implements StudentCompute {
    enum Fault { NONE, DIE, HANG }

    /** One trained step: its epoch and sample ids. */
    record Trained(long epoch, long[] ids) {}

    private final SoftmaxStudent inner = new SoftmaxStudent(TestJobs.FEATURES, TestJobs.CLASSES);
    private final Fault fault;
    private final long faultStep;
    private final CountDownLatch release;
    private final Map<Long, Trained> trained;
    /** When the compute thread blocked (System.nanoTime), or 0. */
    volatile long hungAtNanos;

    ScriptedStudent(Fault fault, long faultStep, CountDownLatch release, Map<Long, Trained> trained) {
        this.fault = fault;
        this.faultStep = faultStep;
        this.release = release;
        this.trained = trained;
    }

    @Override
    public int numParams() {
        return inner.numParams();
    }

    @Override
    public float[] readParams() {
        return inner.readParams();
    }

    @Override
    public void writeParams(int offset, float[] data) {
        inner.writeParams(offset, data);
    }

    @Override
    public StepLoss trainStep(TrainBatch batch, long noiseSeed, float[] gradOut) {
        if (batch.step() >= faultStep && fault == Fault.DIE) {
            throw new IllegalStateException("scripted death at step " + batch.step());
        }
        if (batch.step() >= faultStep && fault == Fault.HANG) {
            hungAtNanos = System.nanoTime();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("released after hanging at step " + batch.step());
        }
        trained.put(batch.step(), new Trained(batch.epoch(), batch.sampleIds().clone()));
        return inner.trainStep(batch, noiseSeed, gradOut);
    }

    @Override
    public float[] evalLogits(float[] pixels, int size, int channels, int height, int width) {
        return inner.evalLogits(pixels, size, channels, height, width);
    }

    @Override
    public void close() {
        inner.close();
    }
}
