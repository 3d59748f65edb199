package t2t.actors.cluster;

import t2t.actors.LocalJob;
import t2t.actors.runtime.JobListener;

import java.util.concurrent.CompletableFuture;

/** Starts a job's actors somewhere: in this JVM ({@link LocalJob#run}) or across a cluster. */
@FunctionalInterface
public interface JobLauncher {
    CompletableFuture<JobListener.JobResult> launch(LocalJob.Spec spec, JobListener listener);
}
