package t2t.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Routers;
import t2t.actors.config.SyncMode;
import t2t.actors.runtime.BatchMaker;
import t2t.actors.runtime.Evaluator;
import t2t.actors.runtime.JobListener;
import t2t.actors.runtime.LocalSgd;
import t2t.actors.runtime.ShardOptimizer;
import t2t.actors.runtime.ShardRange;
import t2t.actors.runtime.StudentCompute;
import t2t.actors.runtime.TeacherCompute;
import t2t.actors.ledger.WorkPlan;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * A whole training job in one JVM (the embedded default): aggregators, a coordinator, a loader
 * pool, a teacher and one worker per device, wired together and started. The returned future
 * completes with the job's result, or exceptionally with what stopped it, once the job's actors
 * have all stopped.
 */
public final class LocalJob {
    /** How long the job's outcome waits for its actors to stop once it is decided. */
    private static final long STOP_GRACE_SECONDS = 5;

    private LocalJob() {}

    /** Everything a job is made of; the factories run inside the actors that own what they make. */
    public record Spec(
            String name,
            int workers,
            int loaders,
            SyncMode sync,
            long seed,
            int prefetch,
            float[] initialParams,
            Function<ShardRange, ShardOptimizer> optimizers,
            int shards,
            AggregatorActor.ClipPolicy clip,
            boolean clipping,
            IntFunction<StudentCompute> students,
            Supplier<TeacherCompute> teacher,
            BatchMaker batches,
            Evaluator evaluator,
            WorkPlan plan,
            Coordinator.Settings settings,
            List<AggregatorActor.ShardState> restoredShards) {}

    public static CompletableFuture<JobListener.JobResult> run(Spec spec, JobListener listener) {
        CompletableFuture<JobListener.JobResult> result = new CompletableFuture<>();
        JobListener completing = new CompletingListener(listener, result);
        ActorSystem<Void> system = ActorSystem.create(guardian(spec, completing),
                // Pekko accepts only word characters and '-' in a system name; run names may hold more.
                "t2t-" + spec.name().replaceAll("[^A-Za-z0-9_-]", "-"),
                config(spec));
        result.whenComplete((r, e) -> system.terminate());
        // The caller closes the job's native resources (models, managers) once this completes: only
        // after every actor has stopped, so no worker is still inside libtorch when they go. A worker
        // the step deadline declared lost may be wedged for good (its actor never stops, so the system
        // never terminates): then the job's outcome is reported after a grace period all the same.
        CompletableFuture<JobListener.JobResult> stopped = new CompletableFuture<>();
        Runnable report = () -> result.whenComplete((r, failure) -> {
            if (failure != null) {
                stopped.completeExceptionally(failure);
            } else {
                stopped.complete(r);
            }
        });
        system.getWhenTerminated().whenComplete((d, e) -> {
            if (!result.isDone()) {
                result.completeExceptionally(new IllegalStateException("the actor system stopped before the job finished"));
            }
            report.run();
        });
        result.whenComplete((r, e) -> CompletableFuture.delayedExecutor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)
                .execute(() -> {
                    if (!stopped.isDone()) {
                        system.log().warn("the job's actors did not all stop within {} s of its end (a wedged"
                                + " worker?); reporting its outcome without them", STOP_GRACE_SECONDS);
                        report.run();
                    }
                }));
        return stopped;
    }

    static Config config(Spec spec) {
        return ConfigFactory.parseString(
                "t2t.compute-dispatcher.thread-pool-executor.fixed-pool-size = " + spec.workers() + "\n"
                        + "t2t.loader-dispatcher.thread-pool-executor.fixed-pool-size = " + spec.loaders() + "\n")
                .withFallback(ConfigFactory.load());
    }

    private static Behavior<Void> guardian(Spec spec, JobListener listener) {
        return Behaviors.setup(ctx -> {
            DispatcherSelector compute = DispatcherSelector.fromConfig("t2t.compute-dispatcher");
            DispatcherSelector loaderDispatcher = DispatcherSelector.fromConfig("t2t.loader-dispatcher");
            DispatcherSelector service = DispatcherSelector.fromConfig("t2t.service-dispatcher");

            List<ShardRange> ranges = ShardRange.split(spec.initialParams().length, spec.shards());
            List<ActorRef<AggregatorActor.Command>> aggregators = new ArrayList<>();
            for (ShardRange r : ranges) {
                float[] slice = new float[r.length()];
                System.arraycopy(spec.initialParams(), r.offset(), slice, 0, r.length());
                ActorRef<AggregatorActor.Command> a = ctx.spawn(
                        Behaviors.supervise(AggregatorActor.create(r, slice, spec.optimizers().apply(r), spec.clip(),
                                spec.clipping())).onFailure(SupervisorStrategy.stop()),
                        "aggregator-" + r.shard(), service);
                if (spec.restoredShards() != null) {
                    a.tell(new AggregatorActor.Restore(spec.restoredShards().get(r.shard())));
                }
                aggregators.add(a);
                ctx.watch(a);
            }
            ActorRef<Coordinator.Command> coordinator = ctx.spawn(
                    Coordinator.create(spec.settings(), spec.plan(), listener, aggregators, ranges), "coordinator",
                    service);
            ctx.watch(coordinator);
            ActorRef<LoaderActor.Command> loaders = ctx.spawn(
                    Routers.pool(spec.loaders(), Behaviors.supervise(LoaderActor.create(spec.batches()))
                                    .onFailure(SupervisorStrategy.restart()))
                            .withRoundRobinRouting()
                            .withRouteeProps(loaderDispatcher),
                    "loaders");
            ActorRef<TeacherActor.Command> teacher = spec.teacher() == null ? null
                    : ctx.spawn(TeacherActor.create(spec.teacher()), "teacher", service);
            for (int i = 0; i < spec.workers(); i++) {
                int rank = i;
                ActorRef<WorkerActor.Command> w = ctx.spawn(
                        WorkerActor.create("worker-" + i, () -> spec.students().apply(rank), spec.evaluator(),
                                coordinator, loaders, teacher, spec.sync(), spec.seed(), spec.prefetch(),
                                () -> localSgd(spec)),
                        "worker-" + i, compute);
                ctx.watch(w);
            }
            return Behaviors.<Void>receiveSignal((c, sig) -> {
                if (sig instanceof org.apache.pekko.actor.typed.Terminated t) {
                    listener.onFailure(new IllegalStateException(t.getRef().path().name()
                            + " stopped unexpectedly; see the log above for its error"));
                }
                return Behaviors.same();
            });
        });
    }

    /** A worker's own optimizer over the whole vector for {@code local:H} (null in the other modes). */
    private static LocalSgd localSgd(Spec spec) {
        if (spec.sync().kind() != SyncMode.Kind.LOCAL) {
            return null;
        }
        int n = spec.initialParams().length;
        return new LocalSgd(spec.sync().parameter(), spec.optimizers().apply(new ShardRange(0, 0, n)), spec.clip(),
                spec.clipping(), n);
    }

    /** Completes the job's future on finish or failure, after the caller's listener saw it (the cluster launcher uses it too). */
    public record CompletingListener(JobListener inner, CompletableFuture<JobListener.JobResult> result)
            implements JobListener {
        public void onStep(StepMetrics m) {
            inner.onStep(m);
        }

        public void onEval(long step, long epoch, t2t.actors.runtime.EvalResult r, double seconds) {
            inner.onEval(step, epoch, r, seconds);
        }

        public String onCheckpoint(CheckpointData data) {
            return inner.onCheckpoint(data);
        }

        public void onMembership(long generation, List<String> workers, String reason) {
            inner.onMembership(generation, workers, reason);
        }

        public void onFinished(JobResult r) {
            try {
                inner.onFinished(r);
            } finally {
                result.complete(r);
            }
        }

        public void onFailure(Throwable cause) {
            try {
                inner.onFailure(cause);
            } finally {
                result.completeExceptionally(cause);
            }
        }
    }
}
