package t2t.actors.cluster;

import com.typesafe.config.Config;
import t2t.protocol.RunFailedException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;

import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The client side of {@code train --cluster}: joins the cluster with the "client" role (no
 * workers, no singleton), submits the job to the job manager singleton and repeats the submission
 * every two seconds until the job is done. The repetition is what carries the job over a lost
 * coordinator node: the singleton's next incarnation receives it and resumes from the checkpoint.
 */
public final class JobSubmitter {
    private static final Duration RESUBMIT = Duration.ofSeconds(2);
    /** How often an unchanged status is said again, so that a long wait is never silent. */
    private static final Duration STATUS_EVERY = Duration.ofSeconds(30);
    /** How long the client tries to join before it tells the user that no cluster answers at the seed. */
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(60);

    private JobSubmitter() {}

    /** The summary JSON of the finished job; throws IllegalStateException with the cluster's reason when it failed. */
    public static String submit(String host, String seed, Config tls, String jobId, Map<String, String> config,
                                int minWorkers, Duration timeout, PrintStream err) {
        CompletableFuture<JobManager.JobStatus> done = new CompletableFuture<>();
        ActorSystem<Void> system = ActorSystem.create(client(jobId, new HashMap<>(config), minWorkers, done, err),
                ClusterSettings.SYSTEM, ClusterSettings.node(host, 0, seed, List.of("client"), tls));
        CompletableFuture<Void> up = new CompletableFuture<>();
        org.apache.pekko.cluster.Cluster.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system))
                .registerOnMemberUp(() -> up.complete(null));
        // The submission can reach the job manager before this member is Up, and a short job can end first:
        // the client then stops, and its Up never comes.
        done.whenComplete((s, e) -> up.complete(null));
        // Downed (the split brain resolver does it to every member when the cluster loses its majority) or
        // removed, this client hears nothing more of the job: say so instead of waiting for ever.
        org.apache.pekko.cluster.Cluster.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system))
                .registerOnMemberRemoved(() -> done.completeExceptionally(new RunFailedException(
                        "this client was removed from the cluster at " + seed + " (it lost its majority: more than half "
                                + "its members were lost at once, or this client was cut off from them); the job's "
                                + "checkpoints are kept: once a majority of the cluster's nodes run again, resume with "
                                + "the same command and --name " + config.get("name"), null)));
        try {
            try {
                up.get(JOIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new t2t.protocol.UserInputException("no cluster answers at " + seed + " within "
                        + JOIN_TIMEOUT.toSeconds() + " s: start one with ./t2t node --seed " + seed
                        + " --tls DIR/<node>, and give this command the same kind of --tls (or both --insecure)");
            }
            JobManager.JobStatus s = done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!"done".equals(s.state())) {
                // The reason comes from the cluster; this client's stack trace would say nothing more.
                throw new RunFailedException("the cluster job failed: " + s.detail(), null);
            }
            return s.detail();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("no result from the cluster at " + seed + " within " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // leaving the cluster is best effort; the job's result is already in hand
            }
        }
    }

    private enum Tick { INSTANCE }

    private static Behavior<Void> client(String jobId, HashMap<String, String> config, int minWorkers,
                                         CompletableFuture<JobManager.JobStatus> done, PrintStream err) {
        return Behaviors.<Object>setup(ctx -> {
            ActorRef<JobManager.Command> manager = ClusterSingleton.get(ctx.getSystem()).init(
                    SingletonActor.of(Behaviors.<JobManager.Command>empty(), JobManager.NAME).withSettings(
                            ClusterSingletonSettings.create(ctx.getSystem()).withRole("coordinator")));
            ActorRef<JobManager.JobStatus> replies = ctx.messageAdapter(JobManager.JobStatus.class, s -> s);
            String[] last = {""};
            long[] lastSaid = {System.nanoTime()};
            long since = System.nanoTime();
            boolean[] started = {false};
            return Behaviors.withTimers(timers -> {
                timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ZERO, RESUBMIT);
                return Behaviors.receiveMessage(m -> {
                    if (m == Tick.INSTANCE) {
                        long now = System.nanoTime();
                        if (now - lastSaid[0] >= STATUS_EVERY.toNanos()) {
                            // A job can wait minutes with nothing changing (nodes training a teacher first, no
                            // coordinator node up yet): silence would read as a hang.
                            err.println("t2t: cluster job " + jobId + " still " + (last[0].isEmpty()
                                    ? "without an answer from the job manager (is a node with the coordinator role up?)"
                                    : last[0] + (last[0].startsWith("running") ? " (the nodes' logs say what each is doing)" : ""))
                                    + ", " + TimeUnit.NANOSECONDS.toSeconds(now - since) + " s after submitting");
                            lastSaid[0] = now;
                        }
                        // Once started, a job resumed by a new coordinator goes on with whatever workers are left.
                        manager.tell(new JobManager.Submit(jobId, config, started[0] ? 1 : minWorkers, replies));
                    } else if (m instanceof JobManager.JobStatus s) {
                        started[0] |= s.state().equals("running");
                        if (s.state().equals("done") || s.state().equals("failed")) {
                            done.complete(s);
                            return Behaviors.stopped();
                        }
                        String line = s.state() + ": " + s.detail();
                        if (!line.equals(last[0])) {
                            err.println("t2t: cluster job " + jobId + " " + line);
                            last[0] = line;
                            lastSaid[0] = System.nanoTime();
                        }
                    }
                    return Behaviors.same();
                });
            });
        }).unsafeCast();
    }
}
