package t2t.actors;

import org.junit.jupiter.api.Test;
import t2t.actors.config.SyncMode;
import t2t.actors.runtime.JobListener;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalJobTest {
    private static JobListener.JobResult run(int workers, int shards, int globalBatch, int epochs, String sync,
                                             TestJobs.Recorder rec) throws Exception {
        TestJobs.Data data = new TestJobs.Data(640);
        TestJobs.Plan plan = new TestJobs.Plan(640, globalBatch, epochs, 5);
        SoftmaxStudent probe = new SoftmaxStudent(TestJobs.FEATURES, TestJobs.CLASSES);
        LocalJob.Spec spec = new LocalJob.Spec("test", workers, 2, SyncMode.parse(sync), 1, 2, probe.readParams(),
                r -> new TestJobs.Sgd(0.5), shards, norm -> 1f, false,
                rank -> new SoftmaxStudent(TestJobs.FEATURES, TestJobs.CLASSES), null, data, new TestJobs.Top1(data),
                plan, new Coordinator.Settings(workers, 0, 0, 1, s -> 0.5, 0, null), null);
        return LocalJob.run(spec, rec).get(60, TimeUnit.SECONDS);
    }

    @Test
    void twoWorkersOfHalfTheBatchEqualOneWorkerOfTheWholeBatch() throws Exception {
        JobListener.JobResult one = run(1, 1, 64, 2, "sync", new TestJobs.Recorder());
        JobListener.JobResult two = run(2, 3, 64, 2, "sync", new TestJobs.Recorder());
        float[] a = t2t.actors.engine.JobAssembly.flatten(one.shards());
        float[] b = t2t.actors.engine.JobAssembly.flatten(two.shards());
        assertEquals(20, one.steps());
        assertEquals(20, two.steps());
        assertArrayEquals(a, b, 1e-5f);
        double maxAbs = 0;
        for (float v : a) {
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        assertTrue(maxAbs > 0.1, "the model moved away from zero");
    }

    @Test
    void everySampleIsTrainedOncePerEpochAndTheModelLearns() throws Exception {
        TestJobs.Recorder rec = new TestJobs.Recorder();
        JobListener.JobResult r = run(2, 2, 64, 3, "sync", rec);
        assertEquals(List.of(640L, 640L, 640L), r.samplesTrainedPerEpoch());
        assertEquals(0, r.duplicateSamples());
        assertEquals(3, rec.evals.size(), "one evaluation per epoch");
        assertTrue(r.lastEval().top1() > 0.9, "top-1 " + r.lastEval().top1());
        assertEquals(3, rec.checkpoints.size(), "a checkpoint at each epoch end");
        assertEquals(29, rec.checkpoints.get(2).step());
    }

    @Test
    @org.junit.jupiter.api.Disabled("stalls about 1 run in 6 when the machine is saturated; cause not found yet (issue 5 note)")
    void boundedStalenessStillConverges() throws Exception {
        JobListener.JobResult r = run(2, 2, 64, 3, "stale:1", new TestJobs.Recorder());
        assertEquals(List.of(640L, 640L, 640L), r.samplesTrainedPerEpoch());
        assertTrue(r.lastEval().top1() > 0.9, "top-1 " + r.lastEval().top1());
    }
}
