package t2t.actors;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Routers;
import org.junit.jupiter.api.Test;
import t2t.actors.config.SyncMode;
import t2t.actors.ledger.Accounting;
import t2t.actors.ledger.AccountingCodec;
import t2t.actors.ledger.SamplerPlan;
import t2t.actors.ledger.WorkPlan;
import t2t.actors.runtime.JobListener;
import t2t.actors.runtime.ShardRange;
import t2t.loader.sampler.SamplerConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Hole 1 of issue 14, with the real coordinator, shards and workers: 2 workers, 160 samples,
 * a checkpoint every 6 steps, worker 1 dies at step 5 (the checkpoint step). Its slice is trained
 * after the checkpoint, so a resume from that checkpoint must plan it again: the checkpoint's
 * credited samples and the resumed run's together are every sample of each epoch, once.
 */
class ResumeAfterWorkerLossTest {
    private static final int SAMPLES = 160;
    private static final int EPOCHS = 2;

    private static Behavior<Void> job(WorkPlan plan, Coordinator.Settings settings,
                                      List<AggregatorActor.ShardState> restored, List<ScriptedStudent> students,
                                      JobListener listener) {
        return Behaviors.setup(ctx -> {
            TestJobs.Data data = new TestJobs.Data(SAMPLES);
            int params = students.get(0).numParams();
            List<ShardRange> ranges = ShardRange.split(params, 2);
            List<ActorRef<AggregatorActor.Command>> aggregators = new ArrayList<>();
            for (ShardRange r : ranges) {
                ActorRef<AggregatorActor.Command> a = ctx.spawn(AggregatorActor.create(r, new float[r.length()],
                        new TestJobs.Sgd(0.1), norm -> 1f, false), "aggregator-" + r.shard());
                if (restored != null) {
                    a.tell(new AggregatorActor.Restore(restored.get(r.shard())));
                }
                aggregators.add(a);
            }
            ActorRef<Coordinator.Command> coordinator = ctx.spawn(
                    Coordinator.create(settings, plan, listener, aggregators, ranges), "coordinator");
            ActorRef<LoaderActor.Command> loaders = ctx.spawn(
                    Routers.pool(2, LoaderActor.create(data)).withRoundRobinRouting(), "loaders");
            for (int i = 0; i < students.size(); i++) {
                ScriptedStudent s = students.get(i);
                ctx.spawn(WorkerActor.create("worker-" + i, () -> s, new TestJobs.Top1(data), coordinator, loaders,
                        null, SyncMode.parse("sync"), 1, 2, () -> null), "worker-" + i,
                        DispatcherSelector.fromConfig("t2t.compute-dispatcher"));
            }
            return Behaviors.empty();
        });
    }

    private static JobListener.JobResult run(Behavior<Void> job, CompletableFuture<JobListener.JobResult> result,
                                             String name) throws Exception {
        ActorSystem<Void> system = ActorSystem.create(job, name,
                ConfigFactory.parseString("t2t.compute-dispatcher.thread-pool-executor.fixed-pool-size = 2")
                        .withFallback(ConfigFactory.load()));
        try {
            return result.get(60, TimeUnit.SECONDS);
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aResumeFromTheCheckpointAfterAWorkerLossTrainsEverySampleOnce() throws Exception {
        TestJobs.Recorder first = new TestJobs.Recorder();
        CompletableFuture<JobListener.JobResult> done = new CompletableFuture<>();
        List<ScriptedStudent> dying = List.of(
                new ScriptedStudent(ScriptedStudent.Fault.NONE, 0, null, new ConcurrentHashMap<>()),
                new ScriptedStudent(ScriptedStudent.Fault.DIE, 5, null, new ConcurrentHashMap<>()));
        run(job(new SamplerPlan(new SamplerConfig(SAMPLES, 16, 7, true, 1, false), EPOCHS),
                new Coordinator.Settings(2, 0, 6, 1, s -> 0.1, 0, null), null, dying,
                new LocalJob.CompletingListener(first, done)), done, "worker-loss-before-checkpoint");
        JobListener.CheckpointData cp;
        synchronized (first) {
            cp = first.checkpoints.stream().filter(c -> c.step() == 5).findFirst().orElse(null);
        }
        assertNotNull(cp, "a checkpoint of step 5");

        Map<Long, ScriptedStudent.Trained> trained0 = new ConcurrentHashMap<>();
        Map<Long, ScriptedStudent.Trained> trained1 = new ConcurrentHashMap<>();
        CompletableFuture<JobListener.JobResult> resumed = new CompletableFuture<>();
        JobListener.JobResult r = run(job(SamplerPlan.restore(cp.planState(), EPOCHS),
                new Coordinator.Settings(2, 0, 6, 1, s -> 0.1, cp.step() + 1, cp.coordinatorState()), cp.shards(),
                List.of(new ScriptedStudent(ScriptedStudent.Fault.NONE, 0, null, trained0),
                        new ScriptedStudent(ScriptedStudent.Fault.NONE, 0, null, trained1)),
                new LocalJob.CompletingListener(new TestJobs.Recorder(), resumed)), resumed, "resume-after-loss");

        Accounting credited = AccountingCodec.decode(cp.coordinatorState());
        int[][] times = new int[EPOCHS][SAMPLES];
        for (Map<Long, ScriptedStudent.Trained> t : List.of(trained0, trained1)) {
            t.values().forEach(s -> java.util.Arrays.stream(s.ids()).forEach(id -> times[(int) s.epoch()][(int) id]++));
        }
        for (int e = 0; e < EPOCHS; e++) {
            int missing = 0;
            for (int id = 0; id < SAMPLES; id++) {
                int n = times[e][id] + (credited.trained(e).get(id) ? 1 : 0);
                assertEquals(true, n <= 1, "sample " + id + " of epoch " + e + " trained " + n + " times");
                missing += n == 0 ? 1 : 0;
            }
            assertEquals(0, missing, "epoch " + e + ": " + credited.trained(e).cardinality()
                    + " credited in the checkpoint, samples never trained after the resume");
        }
        assertEquals(List.of((long) SAMPLES, (long) SAMPLES), r.samplesTrainedPerEpoch());
        assertEquals(0, r.duplicateSamples());
    }
}
