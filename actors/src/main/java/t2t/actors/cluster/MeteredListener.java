package t2t.actors.cluster;

import t2t.actors.cluster.metrics.NodeMetrics;
import t2t.actors.runtime.EvalResult;
import t2t.actors.runtime.JobListener;

import java.util.List;

/** Passes a job's events on and feeds the coordinator node's metrics: steps, img/s, membership, skips. */
public record MeteredListener(JobListener inner, NodeMetrics metrics, java.util.function.IntSupplier members)
        implements JobListener {

    /** A launcher whose jobs report to {@code metrics} as well. */
    public static JobLauncher around(JobLauncher launcher, NodeMetrics metrics, java.util.function.IntSupplier members) {
        return (spec, listener) -> launcher.launch(spec, new MeteredListener(listener, metrics, members));
    }

    @Override
    public void onStep(StepMetrics m) {
        metrics.stepDone(m.samples(), m.stepMs() / 1000);
        inner.onStep(m);
    }

    @Override
    public void onEval(long step, long epoch, EvalResult result, double seconds) {
        inner.onEval(step, epoch, result, seconds);
    }

    @Override
    public String onCheckpoint(CheckpointData data) {
        return inner.onCheckpoint(data);
    }

    @Override
    public void onMembership(long generation, List<String> workers, String reason) {
        metrics.membership(generation, members.getAsInt(), workers.size());
        inner.onMembership(generation, workers, reason);
    }

    @Override
    public void onFinished(JobResult result) {
        metrics.skippedSamples(result.skippedSamples());
        inner.onFinished(result);
    }

    @Override
    public void onFailure(Throwable cause) {
        inner.onFailure(cause);
    }
}
