package t2t.actors.runtime;

import t2t.actors.AggregatorActor;

import java.util.List;
import java.util.Map;

/**
 * What the coordinator reports to whoever runs the job (the CLI writes metrics, draws the progress
 * bar and writes checkpoints). Called from the coordinator's thread, one call at a time. Every
 * method does nothing unless overridden (a job that keeps no checkpoints ignores them).
 */
public interface JobListener {
    /** A finished step's figures (losses averaged over workers, weighted by samples). */
    default void onStep(StepMetrics m) {}

    default void onEval(long step, long epoch, EvalResult result, double seconds) {}

    /** Writes a checkpoint; returns where it went (nowhere by default). */
    default String onCheckpoint(CheckpointData data) {
        return "";
    }

    default void onMembership(long generation, List<String> workers, String reason) {}

    default void onFinished(JobResult result) {}

    default void onFailure(Throwable cause) {}

    /**
     * One finished step. {@code logged} marks the steps that go to the metrics log (every
     * log-every steps and at epoch ends); the others only move the progress display.
     * {@code imgPerSec} is measured over the steps since the last logged one.
     */
    record StepMetrics(long step, long epoch, long epochStep, long stepsPerEpoch, double lr, double total, double base,
                       double distill, double dense, int samples, double imgPerSec, double stepMs, double computeMs,
                       boolean logged) {}

    /** Everything a checkpoint holds besides the model's frozen buffers (which never change). */
    record CheckpointData(long step, long epoch, byte[] planState, byte[] coordinatorState,
                          List<AggregatorActor.ShardState> shards) {}

    /**
     * The job's end. Per epoch, every sample was trained ({@code samplesTrainedPerEpoch}) or
     * skipped as undecodable ({@code skippedSamplesPerEpoch}, their ids in {@code skippedSampleIds})
     * once; {@code workersRestarted}: lost workers whose place a joining worker took.
     */
    record JobResult(long steps, long epochs, List<AggregatorActor.ShardState> shards, EvalResult lastEval,
                     List<Long> samplesTrainedPerEpoch, long duplicateSamples, long skippedSamples,
                     long workersRestarted, double wallSeconds, double trainImgPerSec, Map<String, Long> counters,
                     List<Long> skippedSamplesPerEpoch, List<long[]> skippedSampleIds) {}
}
