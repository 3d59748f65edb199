package t2t.actors;

import org.junit.jupiter.api.Test;
import t2t.actors.runtime.BatchMaker;
import t2t.actors.runtime.JobListener;
import t2t.actors.runtime.TrainBatch;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Hole 2 of issue 14 through a whole local job: undecodable samples are counted as skipped, with their ids, not as trained. */
class SkippedSamplesJobTest {
    private static final int SAMPLES = StepDeadlineJobTest.SAMPLES;

    /** Ids ending in 3 cannot be decoded: the batch holds the others and lists them as skipped. */
    private static final class WithBadSamples implements BatchMaker {
        private final TestJobs.Data plain = new TestJobs.Data(SAMPLES);

        @Override
        public TrainBatch make(long step, long epoch, int rank, long[] ids, int[] copies) {
            long[] good = Arrays.stream(ids).filter(id -> id % 10 != 3).toArray();
            long[] bad = Arrays.stream(ids).filter(id -> id % 10 == 3).toArray();
            TrainBatch b = plain.make(step, epoch, rank, good, new int[good.length]);
            return new TrainBatch(b.step(), b.epoch(), b.size(), b.channels(), b.height(), b.width(), b.pixels(),
                    b.numClasses(), b.targets(), b.labels(), b.sampleIds(), bad, b.gridH(), b.gridW(), null, null);
        }

        @Override
        public EvalBatch evalBatch(int index, int batchSize) {
            return plain.evalBatch(index, batchSize);
        }

        @Override
        public long skipped() {
            return 0;
        }
    }

    @Test
    void undecodableSamplesAreCountedAsSkippedWithTheirIdsAndNotAsTrained() throws Exception {
        JobListener.JobResult r = LocalJob.run(StepDeadlineJobTest.spec("bad-samples", new WithBadSamples(),
                List.of(new ScriptedStudent(ScriptedStudent.Fault.NONE, 0, null, new ConcurrentHashMap<>()),
                        new ScriptedStudent(ScriptedStudent.Fault.NONE, 0, null, new ConcurrentHashMap<>())),
                new Coordinator.Settings(2, 0, 0, 1, s -> 0.1, 0, null)), new JobListener() { })
                .get(60, TimeUnit.SECONDS);
        long[] bad = LongStream.range(0, SAMPLES).filter(id -> id % 10 == 3).toArray();
        assertEquals(List.of(SAMPLES - (long) bad.length, SAMPLES - (long) bad.length), r.samplesTrainedPerEpoch());
        assertEquals(List.of((long) bad.length, (long) bad.length), r.skippedSamplesPerEpoch());
        assertEquals(2L * bad.length, r.skippedSamples());
        assertArrayEquals(bad, r.skippedSampleIds().get(0));
        assertArrayEquals(bad, r.skippedSampleIds().get(1));
        assertEquals(0, r.duplicateSamples());
    }
}
