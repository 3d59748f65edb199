package t2t.actors;

import org.junit.jupiter.api.Test;
import t2t.actors.config.SyncMode;
import t2t.actors.ledger.SamplerPlan;
import t2t.actors.runtime.BatchMaker;
import t2t.actors.runtime.JobListener;
import t2t.actors.runtime.ShardOptimizer;
import t2t.actors.runtime.ShardRange;
import t2t.loader.sampler.SamplerConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Liveness through a whole local job: a worker whose compute thread blocks forever is declared
 * lost at the step deadline and the job finishes exactly.
 */
class StepDeadlineJobTest {
    static final int SAMPLES = 160;

    static LocalJob.Spec spec(String name, BatchMaker data, List<ScriptedStudent> students,
                              Coordinator.Settings settings) {
        return spec(name, data, students, settings, r -> new TestJobs.Sgd(0.1));
    }

    static LocalJob.Spec spec(String name, BatchMaker data, List<ScriptedStudent> students,
                              Coordinator.Settings settings, Function<ShardRange, ShardOptimizer> optimizers) {
        SoftmaxStudent probe = new SoftmaxStudent(TestJobs.FEATURES, TestJobs.CLASSES);
        return new LocalJob.Spec(name, students.size(), 1, SyncMode.parse("sync"), 1, 2, probe.readParams(),
                optimizers, 2, norm -> 1f, false, students::get, null, data, new TestJobs.Top1(data),
                new SamplerPlan(new SamplerConfig(SAMPLES, 16, 7, true, 1, false), 2), settings, null);
    }

    @Test
    void aWorkerWhoseComputeThreadBlocksForeverIsDeclaredLostAtTheDeadlineAndTheJobFinishesExactly()
            throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ScriptedStudent hung = new ScriptedStudent(ScriptedStudent.Fault.HANG, 3, release, new ConcurrentHashMap<>());
        List<Long> lostAt = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        JobListener listener = new JobListener() {
            @Override
            public synchronized void onMembership(long generation, List<String> workers, String reason) {
                if (reason.startsWith("lost")) {
                    lostAt.add(System.nanoTime());
                    reasons.add(reason);
                }
            }
        };
        Duration floor = Duration.ofSeconds(1);
        try {
            JobListener.JobResult r = LocalJob.run(spec("hung-worker", new TestJobs.Data(SAMPLES),
                    List.of(new ScriptedStudent(ScriptedStudent.Fault.NONE, 0, null, new ConcurrentHashMap<>()), hung),
                    new Coordinator.Settings(2, 0, 0, 1, s -> 0.1, 0, null).withStepDeadline(floor)), listener)
                    .get(60, TimeUnit.SECONDS);
            assertEquals(List.of((long) SAMPLES, (long) SAMPLES), r.samplesTrainedPerEpoch());
            assertEquals(0, r.duplicateSamples());
            assertEquals(1L, r.counters().get("workers_lost"));
            assertEquals(1L, r.counters().get("workers_timed_out"));
            synchronized (listener) {
                assertEquals(1, reasons.size(), reasons.toString());
                assertTrue(reasons.get(0).contains("missed the step deadline"), reasons.get(0));
                double detectedS = (lostAt.get(0) - hung.hungAtNanos) / 1e9;
                System.out.printf("hung compute thread declared lost %.2f s after it blocked (floor %s)%n",
                        detectedS, floor);
                // Steps take milliseconds here, so the deadline is its floor; the check runs every tenth of it.
                assertTrue(detectedS < floor.toMillis() / 1000.0 * 1.1 + 0.5, "declared lost after " + detectedS + " s");
            }
        } finally {
            release.countDown();
        }
    }

    /** Shard 1's update blocks its thread for good from step 3 on: the workers then wait on it for parameters. */
    @Test
    void aShardWhoseThreadBlocksForeverEndsTheJobWithAMessageNamingIt() {
        CountDownLatch release = new CountDownLatch(1);
        Function<ShardRange, ShardOptimizer> optimizers = r -> new ShardOptimizer() {
            private final TestJobs.Sgd sgd = new TestJobs.Sgd(0.1);

            @Override
            public void update(long step, float[] params, float[] grad, float scale) {
                if (r.shard() == 1 && step >= 3) {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                sgd.update(step, params, grad, scale);
            }

            @Override
            public java.util.Map<String, float[]> state() {
                return sgd.state();
            }

            @Override
            public void restore(java.util.Map<String, float[]> state) {
                sgd.restore(state);
            }

            @Override
            public float[] ema() {
                return null;
            }
        };
        try {
            long t0 = System.nanoTime();
            ExecutionException e = assertThrows(ExecutionException.class, () -> LocalJob.run(spec("hung-shard",
                    new TestJobs.Data(SAMPLES),
                    List.of(new ScriptedStudent(ScriptedStudent.Fault.NONE, 0, null, new ConcurrentHashMap<>()),
                            new ScriptedStudent(ScriptedStudent.Fault.NONE, 0, null, new ConcurrentHashMap<>())),
                    new Coordinator.Settings(2, 0, 0, 1, s -> 0.1, 0, null).withStepDeadline(Duration.ofSeconds(2)),
                    optimizers), new JobListener() { }).get(30, TimeUnit.SECONDS));
            String message = e.getCause().getMessage();
            System.out.printf("hung shard: the job ended after %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, message);
            assertTrue(message.startsWith("shard 1 (") && message.contains("missed the step deadline"), message);
        } finally {
            release.countDown();
        }
    }
}
