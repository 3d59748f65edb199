package t2t.ops.run;

import t2t.actors.LocalJob;
import t2t.actors.cluster.ClusterJobs;
import t2t.actors.cluster.JobLauncher;
import t2t.actors.config.JobConfig;
import t2t.actors.engine.JobAssembly;
import t2t.ops.cli.Json;

import java.io.PrintStream;
import java.util.Map;

/**
 * The CLI's side of a cluster node: a worker node builds its students, batches and teacher from
 * the submitted configuration (its own copy of the data at the same path); an aggregator node
 * builds the shards' optimizers from it (the data sets the schedule's length and the model's
 * classes); the coordinator node runs the whole training run (run folder, checkpoints, summary)
 * with the cluster's launcher.
 */
public final class ClusterTrainingJobs implements ClusterJobs {
    private final PrintStream err;
    private final java.util.function.UnaryOperator<JobLauncher> metered;

    /** {@code metered} wraps the cluster's launcher so the job feeds the node's metrics (identity: none). */
    public ClusterTrainingJobs(PrintStream err, java.util.function.UnaryOperator<JobLauncher> metered) {
        this.err = err;
        this.metered = metered;
    }

    @Override
    public WorkerSide workerSide(Map<String, String> config, int workers) {
        JobConfig cfg = JobConfig.resolve(Map.of(), config).with(Map.of("workers", Integer.toString(workers)));
        TrainingRun run = TrainingRun.onClusterNode(cfg, err, LocalJob::run);
        JobAssembly job = JobAssembly.prepare(cfg);
        try {
            LocalJob.Spec spec = job.spec("worker", run.resolveTeacher(job), null);
            return new WorkerSide(spec, job);
        } catch (RuntimeException e) {
            job.close();
            throw e;
        }
    }

    /** The optimizers alone: no students and no teacher (an aggregator-only node trains nothing). */
    @Override
    public ShardSide shardSide(Map<String, String> config) {
        JobAssembly job = JobAssembly.prepare(JobConfig.resolve(Map.of(), config));
        try {
            LocalJob.Spec spec = job.spec("shards", null, null);
            return new ShardSide(spec.optimizers(), spec.clip(), spec.clipping(), job);
        } catch (RuntimeException e) {
            job.close();
            throw e;
        }
    }

    @Override
    public String run(Map<String, String> config, JobLauncher launcher) {
        Map<String, Object> summary = TrainingRun.onClusterNode(JobConfig.resolve(Map.of(), config), err,
                metered.apply(launcher)).run();
        try {
            return Json.MAPPER.writeValueAsString(summary);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
