package t2t.actors.cluster;

import t2t.actors.AggregatorActor;
import t2t.actors.LocalJob;
import t2t.actors.runtime.ShardOptimizer;
import t2t.actors.runtime.ShardRange;

import java.util.Map;
import java.util.function.Function;

/**
 * What a node needs from the layer that knows data, models and run folders (the CLI): the worker
 * side of a submitted job on a worker node, the shard side on an aggregator node, and the whole run
 * (run folder, checkpoints, summary) on the coordinator node. The job travels as its raw
 * configuration, so every node builds the same model, plan, optimizer and data pipeline from it;
 * the data path must exist on every worker and aggregator node.
 */
public interface ClusterJobs {
    /** Students, batches, teacher and evaluator for {@code workers} local workers; {@code resources} closes them. */
    record WorkerSide(LocalJob.Spec spec, AutoCloseable resources) {}

    /** Each shard's optimizer (moments, EMA, schedule) and the clipping rule; {@code resources} closes them. */
    record ShardSide(Function<ShardRange, ShardOptimizer> optimizers, AggregatorActor.ClipPolicy clip,
                     boolean clipping, AutoCloseable resources) {}

    WorkerSide workerSide(Map<String, String> config, int workers);

    /** The optimizers of the job's worker side; an implementation may build less (no students, no teacher). */
    default ShardSide shardSide(Map<String, String> config) {
        WorkerSide w = workerSide(config, 1);
        return new ShardSide(w.spec().optimizers(), w.spec().clip(), w.spec().clipping(), w.resources());
    }

    /** Runs the job to its end, starting its actors through {@code launcher}; returns the summary as JSON. */
    String run(Map<String, String> config, JobLauncher launcher);
}
