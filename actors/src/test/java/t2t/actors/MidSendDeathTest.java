package t2t.actors;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Routers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import t2t.actors.config.SyncMode;
import t2t.actors.engine.JobAssembly;
import t2t.actors.ledger.SamplerPlan;
import t2t.actors.runtime.JobListener;
import t2t.actors.runtime.LocalSgd;
import t2t.actors.runtime.ShardRange;
import t2t.actors.runtime.StudentCompute;
import t2t.actors.runtime.TrainBatch;
import t2t.loader.sampler.SamplerConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A worker that dies between its gradient messages to different shards, in one JVM with the real
 * coordinator, shards and workers. Its gradient of that step reached some shards and not others;
 * every shard must still apply the same worker set, and its samples must be trained once.
 */
class MidSendDeathTest {
    private static final int SAMPLES = 160;
    private static final int PARAMS = 12;
    private static final long DEATH_STEP = 5;

    /**
     * Its gradient is the same number in every coordinate (a function of the batch's samples), so
     * with plain SGD all coordinates stay equal exactly as long as every shard applies every step
     * with the same contributors and weights. Worker 1 dies at its first step from {@link #DEATH_STEP}
     * after handing over {@code bucketsBeforeDeath} of its buckets.
     */
    private static final class UniformStudent implements StudentCompute {
        private final float[] params = new float[PARAMS];
        private final int bucketsBeforeDeath;
        /** Local SGD mode: the worker dies in its step's compute; what it trained, per step. */
        private final boolean dieInCompute;
        private final Map<Long, long[]> trained;

        UniformStudent(int bucketsBeforeDeath) {
            this(bucketsBeforeDeath, false, new ConcurrentHashMap<>());
        }

        UniformStudent(int bucketsBeforeDeath, boolean dieInCompute, Map<Long, long[]> trained) {
            this.bucketsBeforeDeath = bucketsBeforeDeath;
            this.dieInCompute = dieInCompute;
            this.trained = trained;
        }

        @Override
        public int numParams() {
            return PARAMS;
        }

        @Override
        public float[] readParams() {
            return params.clone();
        }

        @Override
        public void writeParams(int offset, float[] data) {
            System.arraycopy(data, 0, params, offset, data.length);
        }

        @Override
        public StepLoss trainStep(TrainBatch batch, long noiseSeed, float[] gradOut) {
            if (dieInCompute && batch.step() >= DEATH_STEP) {
                throw new IllegalStateException("simulated death in the middle of a local SGD round");
            }
            trained.put(batch.step(), batch.sampleIds().clone());
            double sum = 0;
            for (long id : batch.sampleIds()) {
                sum += (id * 37) % 11 + 1;
            }
            float g = batch.size() == 0 ? 0f : (float) (sum / batch.size());
            Arrays.fill(gradOut, g);
            return new StepLoss(g, g, 0f, 0f);
        }

        @Override
        public StepLoss trainStep(TrainBatch batch, long noiseSeed, List<ShardRange> buckets,
                                  BiConsumer<ShardRange, float[]> ready) {
            float[] all = new float[PARAMS];
            StepLoss loss = trainStep(batch, noiseSeed, all);
            for (int k = 0; k < buckets.size(); k++) {
                if (bucketsBeforeDeath >= 0 && batch.step() >= DEATH_STEP && k == bucketsBeforeDeath) {
                    throw new IllegalStateException("simulated death after " + k + " of " + buckets.size() + " buckets");
                }
                ShardRange r = buckets.get(k);
                ready.accept(r, Arrays.copyOfRange(all, r.offset(), r.end()));
            }
            if (bucketsBeforeDeath == buckets.size() && batch.step() >= DEATH_STEP) {
                throw new IllegalStateException("simulated death after every bucket, before the step's report");
            }
            return loss;
        }

        @Override
        public float[] evalLogits(float[] pixels, int size, int channels, int height, int width) {
            return new float[size * TestJobs.CLASSES];
        }

        @Override
        public void close() {}
    }

    /** The runtime's actors as LocalJob spawns them, except that a worker's death is not the job's end. */
    private static Behavior<Void> job(int bucketsBeforeDeath, JobListener listener) {
        return job("sync", bucketsBeforeDeath, false, List.of(new ConcurrentHashMap<>(), new ConcurrentHashMap<>()),
                listener);
    }

    private static Behavior<Void> job(String sync, int bucketsBeforeDeath, boolean dieInCompute,
                                      List<Map<Long, long[]>> trained, JobListener listener) {
        return Behaviors.setup(ctx -> {
            TestJobs.Data data = new TestJobs.Data(SAMPLES);
            SamplerPlan plan = new SamplerPlan(new SamplerConfig(SAMPLES, 16, 7, true, 1, false), 2);
            DispatcherSelector compute = DispatcherSelector.fromConfig("t2t.compute-dispatcher");
            List<ShardRange> ranges = ShardRange.split(PARAMS, 3);
            List<ActorRef<AggregatorActor.Command>> aggregators = new ArrayList<>();
            for (ShardRange r : ranges) {
                aggregators.add(ctx.spawn(AggregatorActor.create(r, new float[r.length()], new TestJobs.Sgd(0.01),
                        norm -> 1f, false), "aggregator-" + r.shard()));
            }
            ActorRef<Coordinator.Command> coordinator = ctx.spawn(Coordinator.create(
                    new Coordinator.Settings(2, 0, 0, 1, s -> 0.01, 0, null), plan, listener, aggregators, ranges),
                    "coordinator");
            ActorRef<LoaderActor.Command> loaders = ctx.spawn(
                    Routers.pool(2, LoaderActor.create(data)).withRoundRobinRouting(), "loaders");
            for (int i = 0; i < 2; i++) {
                int deathAt = i == 1 ? bucketsBeforeDeath : -1;
                boolean dies = i == 1 && dieInCompute;
                Map<Long, long[]> log = trained.get(i);
                SyncMode mode = SyncMode.parse(sync);
                ctx.spawn(WorkerActor.create("worker-" + i, () -> new UniformStudent(deathAt, dies, log),
                        new TestJobs.Top1(data), coordinator, loaders, null, mode, 1, 2,
                        () -> new LocalSgd(Math.max(1, mode.parameter()), new TestJobs.Sgd(0.01), n -> 1f, false,
                                PARAMS)), "worker-" + i, compute);
            }
            return Behaviors.empty();
        });
    }

    /**
     * Local SGD with rounds of 4 steps: worker 1 dies at step 6, in the round that began at step 4.
     * Its updates of steps 4 and 5 lived only in its replica, so those slices are trained again by
     * the survivor; its round ending at step 3 reached the shards and counts.
     */
    /** The job in its own actor system, with a compute thread for each of its two workers. */
    private static ActorSystem<Void> start(Behavior<Void> job, String name) {
        return ActorSystem.create(job, name,
                ConfigFactory.parseString("t2t.compute-dispatcher.thread-pool-executor.fixed-pool-size = 2")
                        .withFallback(ConfigFactory.load()));
    }

    @org.junit.jupiter.api.Test
    void aWorkerLostMidRoundInLocalSgdHasItsWholeRoundTrainedAgain() throws Exception {
        CompletableFuture<JobListener.JobResult> result = new CompletableFuture<>();
        List<Map<Long, long[]>> trained = List.of(new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
        ActorSystem<Void> system = start(job("local:4", -1, true, trained,
                new LocalJob.CompletingListener(new TestJobs.Recorder(), result)), "mid-round-death");
        try {
            JobListener.JobResult r = result.get(60, TimeUnit.SECONDS);
            assertEquals(List.of((long) SAMPLES, (long) SAMPLES), r.samplesTrainedPerEpoch());
            assertEquals(0, r.duplicateSamples());
            // What reached the model: all of the survivor's steps, and the lost worker's averaged round.
            int[] times = new int[SAMPLES];
            trained.get(0).values().forEach(ids -> Arrays.stream(ids).forEach(id -> times[(int) id]++));
            trained.get(1).forEach((step, ids) -> {
                if (step < 4) {
                    Arrays.stream(ids).forEach(id -> times[(int) id]++);
                }
            });
            for (int id = 0; id < SAMPLES; id++) {
                assertEquals(2, times[id], "sample " + id + " in the model's 2 epochs");
            }
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest(name = "dies after {0} of 3 buckets")
    @ValueSource(ints = {0, 1, 2, 3})
    void everyShardAppliesTheSameWorkersAndEverySampleTrainsOnce(int bucketsBeforeDeath) throws Exception {
        CompletableFuture<JobListener.JobResult> result = new CompletableFuture<>();
        TestJobs.Recorder steps = new TestJobs.Recorder();
        ActorSystem<Void> system = start(job(bucketsBeforeDeath, new LocalJob.CompletingListener(steps, result)),
                "mid-send-death");
        try {
            JobListener.JobResult r = result.get(60, TimeUnit.SECONDS);
            assertEquals(List.of((long) SAMPLES, (long) SAMPLES), r.samplesTrainedPerEpoch());
            assertEquals(0, r.duplicateSamples());
            assertEquals(1L, r.counters().get("workers_lost"));
            float[] w = JobAssembly.flatten(r.shards());
            for (int i = 1; i < w.length; i++) {
                assertEquals(w[0], w[i], 0f, "coordinate " + i + " of " + Arrays.toString(w));
            }
            // Each step's reported loss is its contributors' mean gradient: the shards applied exactly
            // the steps the coordinator counted (a dead worker's gradient applied anyway, with its
            // samples trained again later, would show here).
            double expected = 0;
            synchronized (steps) {
                assertEquals(r.steps(), steps.steps.size());
                for (JobListener.StepMetrics m : steps.steps) {
                    expected -= 0.01 * m.total();
                }
            }
            assertEquals(expected, w[0], 1e-4, "SGD from zero: minus lr times the sum of the step means");
            assertEquals(true, w[0] < -0.01f * r.steps(), "every step's mean gradient is at least 1");
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
