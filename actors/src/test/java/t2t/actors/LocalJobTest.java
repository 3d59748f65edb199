package t2t.actors;

import org.junit.jupiter.api.Test;
import t2t.actors.config.SyncMode;
import t2t.actors.runtime.BatchMaker;
import t2t.actors.runtime.JobListener;
import t2t.actors.runtime.ShardOptimizer;
import t2t.actors.runtime.ShardRange;
import t2t.actors.runtime.TrainBatch;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalJobTest {
    private static JobListener.JobResult run(int workers, int shards, int globalBatch, int epochs, String sync,
                                             TestJobs.Recorder rec) throws Exception {
        TestJobs.Data data = new TestJobs.Data(640);
        return run(workers, shards, globalBatch, epochs, sync, rec, 2, data, r -> new TestJobs.Sgd(0.5));
    }

    private static JobListener.JobResult run(int workers, int shards, int globalBatch, int epochs, String sync,
                                             TestJobs.Recorder rec, int loaders, BatchMaker batches,
                                             Function<ShardRange, ShardOptimizer> optimizers) throws Exception {
        TestJobs.Data data = new TestJobs.Data(640);
        TestJobs.Plan plan = new TestJobs.Plan(640, globalBatch, epochs, 5);
        SoftmaxStudent probe = new SoftmaxStudent(TestJobs.FEATURES, TestJobs.CLASSES);
        LocalJob.Spec spec = new LocalJob.Spec("test", workers, loaders, SyncMode.parse(sync), 1, 2, probe.readParams(),
                optimizers, shards, norm -> 1f, false,
                rank -> new SoftmaxStudent(TestJobs.FEATURES, TestJobs.CLASSES), null, batches, new TestJobs.Top1(data),
                plan, new Coordinator.Settings(workers, 0, 0, 1, s -> 0.5, 0, null), null);
        return LocalJob.run(spec, rec).get(60, TimeUnit.SECONDS);
    }

    private static double maxDifference(JobListener.JobResult x, JobListener.JobResult y) {
        float[] a = t2t.actors.engine.JobAssembly.flatten(x.shards());
        float[] b = t2t.actors.engine.JobAssembly.flatten(y.shards());
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    /** Three epochs of 640 samples, each sample once per epoch, and a model that separates the classes. */
    private static void assertTrainedOnceAndLearned(JobListener.JobResult r) {
        assertEquals(List.of(640L, 640L, 640L), r.samplesTrainedPerEpoch());
        assertEquals(0, r.duplicateSamples());
        assertTrue(r.lastEval().top1() > 0.9, "top-1 " + r.lastEval().top1());
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
        assertTrainedOnceAndLearned(r);
        assertEquals(3, rec.evals.size(), "one evaluation per epoch");
        assertEquals(3, rec.checkpoints.size(), "a checkpoint at each epoch end");
        assertEquals(29, rec.checkpoints.get(2).step());
    }

    @Test
    void boundedStalenessStillConverges() throws Exception {
        assertTrainedOnceAndLearned(run(2, 2, 64, 3, "stale:1", new TestJobs.Recorder()));
    }

    /**
     * The stall behind the once-flaky staleness test, made certain: the batch before each epoch's
     * evaluation step is slow, so the evaluation step's batch is ready first. A worker that ran it
     * first would wait for its own evaluation, which needs the step it skipped.
     */
    @Test
    void boundedStalenessRunsStepsInOrderWhenALaterBatchIsReadyFirst() throws Exception {
        TestJobs.Data data = new TestJobs.Data(640);
        BatchMaker slowBeforeEval = new SlowSteps(data, step -> step % 10 == 8, 300);
        JobListener.JobResult r = run(2, 2, 64, 3, "stale:1", new TestJobs.Recorder(), 8, slowBeforeEval,
                s -> new TestJobs.Sgd(0.5));
        assertEquals(List.of(640L, 640L, 640L), r.samplesTrainedPerEpoch());
        assertEquals(30, r.steps());
    }

    /**
     * Local SGD with H = 1 averages the replicas after every step. For an optimizer linear in the
     * gradient and its state (SGD, SGD with momentum), the mean of the local updates is the update
     * of the mean gradient, so it equals sync mode even though each worker keeps its own momentum.
     */
    @Test
    void localSgdWithPeriodOneEqualsSyncForLinearOptimizers() throws Exception {
        TestJobs.Data data = new TestJobs.Data(640);
        for (Function<ShardRange, ShardOptimizer> opt : List.<Function<ShardRange, ShardOptimizer>>of(
                r -> new TestJobs.Sgd(0.5), r -> new TestJobs.MomentumSgd(0.2, 0.9))) {
            JobListener.JobResult sync = run(2, 3, 64, 2, "sync", new TestJobs.Recorder(), 2, data, opt);
            JobListener.JobResult local = run(2, 3, 64, 2, "local:1", new TestJobs.Recorder(), 2, data, opt);
            assertEquals(20, local.steps());
            assertTrue(maxDifference(sync, local) < 1e-5, "max difference " + maxDifference(sync, local));
        }
    }

    @Test
    void localSgdAveragesOnlyEveryPeriodAndConverges() throws Exception {
        TestJobs.Recorder rec = new TestJobs.Recorder();
        JobListener.JobResult local = run(2, 2, 64, 3, "local:4", rec);
        assertTrainedOnceAndLearned(local);
        assertEquals(3, rec.checkpoints.size(), "every epoch end is an averaging point and a checkpoint");
        // Replicas that drift apart for 4 steps do not retrace sync SGD: the mode is really local.
        JobListener.JobResult sync = run(2, 2, 64, 3, "sync", new TestJobs.Recorder());
        assertTrue(maxDifference(sync, local) > 1e-3, "local:4 equals sync: " + maxDifference(sync, local));
    }

    /** Delays the batches of chosen steps, as a loaded machine would. */
    private record SlowSteps(BatchMaker inner, java.util.function.LongPredicate slow, long millis)
            implements BatchMaker {
        @Override
        public TrainBatch make(long step, long epoch, int rank, long[] ids, int[] copies) {
            if (slow.test(step)) {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return inner.make(step, epoch, rank, ids, copies);
        }

        @Override
        public EvalBatch evalBatch(int index, int batchSize) {
            return inner.evalBatch(index, batchSize);
        }

        @Override
        public long skipped() {
            return inner.skipped();
        }
    }
}
