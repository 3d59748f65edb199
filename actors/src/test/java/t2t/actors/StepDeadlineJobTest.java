package t2t.actors;

import org.junit.jupiter.api.Test;
import t2t.actors.config.SyncMode;
import t2t.actors.ledger.SamplerPlan;
import t2t.actors.runtime.BatchMaker;
import t2t.actors.runtime.JobListener;
import t2t.loader.sampler.SamplerConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Liveness through a whole local job: a worker whose compute thread blocks forever is declared
 * lost at the step deadline and the job finishes exactly.
 */
class StepDeadlineJobTest {
    static final int SAMPLES = 160;

    static LocalJob.Spec spec(String name, BatchMaker data, List<ScriptedStudent> students,
                                      Coordinator.Settings settings) {
        SoftmaxStudent probe = new SoftmaxStudent(TestJobs.FEATURES, TestJobs.CLASSES);
        return new LocalJob.Spec(name, students.size(), 1, SyncMode.parse("sync"), 1, 2, probe.readParams(),
                r -> new TestJobs.Sgd(0.1), 2, norm -> 1f, false, students::get, null, data, new TestJobs.Top1(data),
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
}
