package t2t.actors.cluster;

import t2t.actors.LocalJob;

import java.util.Map;

/**
 * What a node needs from the layer that knows data, models and run folders (the CLI): the worker
 * side of a submitted job on a worker node, and the whole run (run folder, checkpoints, summary)
 * on the coordinator node. The job travels as its raw configuration, so every node builds the same
 * model, plan and data pipeline from it; the data path must exist on every worker node.
 */
public interface ClusterJobs {
    /** Students, batches, teacher and evaluator for {@code workers} local workers; {@code resources} closes them. */
    record WorkerSide(LocalJob.Spec spec, AutoCloseable resources) {}

    WorkerSide workerSide(Map<String, String> config, int workers);

    /** Runs the job to its end, starting its actors through {@code launcher}; returns the summary as JSON. */
    String run(Map<String, String> config, JobLauncher launcher);
}
