package t2t.actors;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Routers;
import org.junit.jupiter.api.Test;
import t2t.actors.config.SyncMode;
import t2t.actors.ledger.SamplerPlan;
import t2t.actors.runtime.JobListener;
import t2t.actors.runtime.ShardRange;
import t2t.loader.sampler.SamplerConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Hole 4 of issue 14: {@code workers_restarted} comes from what happened. A worker dies at step 5
 * and a new one takes its place (as a supervisor or a restarted node would): one restart.
 */
class WorkerReplacedTest {
    private static final int SAMPLES = 160;

    private static ActorRef<WorkerActor.Command> worker(ActorContext<Void> ctx, String id, ScriptedStudent student,
                                                       TestJobs.Data data, ActorRef<Coordinator.Command> coordinator,
                                                       ActorRef<LoaderActor.Command> loaders) {
        return ctx.spawn(WorkerActor.create(id, () -> student, new TestJobs.Top1(data), coordinator, loaders, null,
                SyncMode.parse("sync"), 1, 2, () -> null), id, DispatcherSelector.fromConfig("t2t.compute-dispatcher"));
    }

    private static Behavior<Void> job(JobListener listener) {
        return Behaviors.setup(ctx -> {
            TestJobs.Data data = new TestJobs.Data(SAMPLES);
            int params = new SoftmaxStudent(TestJobs.FEATURES, TestJobs.CLASSES).numParams();
            List<ShardRange> ranges = ShardRange.split(params, 2);
            List<ActorRef<AggregatorActor.Command>> aggregators = new ArrayList<>();
            for (ShardRange r : ranges) {
                aggregators.add(ctx.spawn(AggregatorActor.create(r, new float[r.length()], new TestJobs.Sgd(0.1),
                        norm -> 1f, false), "aggregator-" + r.shard()));
            }
            ActorRef<Coordinator.Command> coordinator = ctx.spawn(Coordinator.create(
                    new Coordinator.Settings(2, 0, 0, 1, s -> 0.1, 0, null),
                    new SamplerPlan(new SamplerConfig(SAMPLES, 16, 7, true, 1, false), 2), listener, aggregators,
                    ranges), "coordinator");
            ActorRef<LoaderActor.Command> loaders = ctx.spawn(
                    Routers.pool(2, LoaderActor.create(data)).withRoundRobinRouting(), "loaders");
            worker(ctx, "worker-0", new ScriptedStudent(ScriptedStudent.Fault.NONE, 0, null, new ConcurrentHashMap<>()),
                    data, coordinator, loaders);
            ctx.watch(worker(ctx, "worker-1", new ScriptedStudent(ScriptedStudent.Fault.DIE, 5, null,
                    new ConcurrentHashMap<>()), data, coordinator, loaders));
            return Behaviors.<Void>receiveSignal((c, sig) -> {
                if (sig instanceof Terminated) {
                    worker(c, "worker-2", new ScriptedStudent(ScriptedStudent.Fault.NONE, 0, null,
                            new ConcurrentHashMap<>()), data, coordinator, loaders);
                }
                return Behaviors.same();
            });
        });
    }

    @Test
    void aLostWorkerReplacedByANewOneCountsAsOneRestart() throws Exception {
        CompletableFuture<JobListener.JobResult> result = new CompletableFuture<>();
        ActorSystem<Void> system = ActorSystem.create(job(new LocalJob.CompletingListener(new TestJobs.Recorder(),
                result)), "worker-replaced", ConfigFactory.parseString(
                "t2t.compute-dispatcher.thread-pool-executor.fixed-pool-size = 3").withFallback(ConfigFactory.load()));
        try {
            JobListener.JobResult r = result.get(60, TimeUnit.SECONDS);
            assertEquals(List.of((long) SAMPLES, (long) SAMPLES), r.samplesTrainedPerEpoch());
            assertEquals(0, r.duplicateSamples());
            assertEquals(1L, r.counters().get("workers_lost"));
            assertEquals(1L, r.counters().get("workers_joined"));
            assertEquals(1, r.workersRestarted());
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
