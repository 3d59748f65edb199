package t2t.loader.sampler;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EpochSamplerTest {

    private static List<Long> runEpoch(EpochSampler sampler, int workers) {
        List<Long> ids = new ArrayList<>();
        for (StepPlan plan = sampler.nextStep(workers); plan != null; plan = sampler.nextStep(workers)) {
            for (Slice s : plan.slices()) {
                for (long id : s.sampleIds()) {
                    ids.add(id);
                }
                sampler.complete(s);
            }
        }
        return ids;
    }

    @Test
    void permutationIsDeterministicPerSeedAndEpochAndCoversEveryId() {
        SamplerConfig config = new SamplerConfig(1000, 100, 42, true, 1, true);
        List<Long> a = runEpoch(new EpochSampler(config, 3), 2);
        List<Long> b = runEpoch(new EpochSampler(config, 3), 2);
        List<Long> otherEpoch = runEpoch(new EpochSampler(config, 4), 2);
        List<Long> otherSeed = runEpoch(new EpochSampler(new SamplerConfig(1000, 100, 43, true, 1, true), 3), 2);
        assertEquals(a, b);
        assertNotEquals(a, otherEpoch);
        assertNotEquals(a, otherSeed);
        assertEquals(1000, a.stream().distinct().count());
        assertNotEquals(new ArrayList<>(a).stream().sorted().toList(), a, "shuffled");
    }

    @Test
    void globalBatchOfAStepDoesNotDependOnWorkerCount() {
        SamplerConfig config = new SamplerConfig(640, 64, 7, true, 1, true);
        EpochSampler one = new EpochSampler(config, 0);
        EpochSampler four = new EpochSampler(config, 0);
        for (int step = 0; step < 10; step++) {
            StepPlan p1 = one.nextStep(1);
            StepPlan p4 = four.nextStep(4);
            long[] ids1 = p1.slices().get(0).sampleIds().clone();
            long[] ids4 = p4.slices().stream().flatMapToLong(s -> Arrays.stream(s.sampleIds())).toArray();
            Arrays.sort(ids1);
            Arrays.sort(ids4);
            assertArrayEquals(ids1, ids4);
            p4.slices().forEach(s -> assertEquals(16, s.size()));
            p1.slices().forEach(one::complete);
            p4.slices().forEach(four::complete);
        }
        assertNull(one.nextStep(1));
        assertTrue(one.epochDone());
    }

    @Test
    void dropLastDropsThePartialTailOtherwiseIssuesIt() {
        EpochSampler drop = new EpochSampler(new SamplerConfig(1050, 100, 1, true, 1, true), 0);
        assertEquals(1000, runEpoch(drop, 3).size());
        assertEquals(50, drop.droppedCount());
        assertTrue(drop.epochDone());
        assertEquals(10, drop.stepsPerEpoch());

        EpochSampler keep = new EpochSampler(new SamplerConfig(1050, 100, 1, true, 1, false), 0);
        assertEquals(1050, runEpoch(keep, 3).size());
        assertEquals(11, keep.step());
        assertEquals(0, keep.droppedCount());
    }

    @Test
    void tailWaitsForSlicesInFlightBeforeDropping() {
        EpochSampler sampler = new EpochSampler(new SamplerConfig(170, 100, 1, true, 1, true), 0);
        StepPlan first = sampler.nextStep(2);
        assertNull(sampler.nextStep(2), "70 left < batch, but 100 in flight might come back");
        assertEquals(0, sampler.droppedCount());
        sampler.requeue(first.slices().get(1));
        StepPlan again = sampler.nextStep(2);
        assertEquals(100, again.size(), "the 50 re-queued plus 50 never issued");
        int[] reissued = again.slices().stream().flatMapToInt(s -> Arrays.stream(s.positions())).sorted().limit(50).toArray();
        assertArrayEquals(first.slices().get(1).positions(), reissued, "re-queued positions go out first");
        sampler.complete(first.slices().get(0));
        again.slices().forEach(sampler::complete);
        assertNull(sampler.nextStep(2));
        assertEquals(20, sampler.droppedCount());
        assertTrue(sampler.epochDone());
    }

    @Test
    void resumeMidEpochEqualsUninterrupted() {
        SamplerConfig config = new SamplerConfig(1000, 64, 99, true, 3, true);
        EpochSampler whole = new EpochSampler(config, 5);
        EpochSampler first = new EpochSampler(config, 5);
        List<long[]> expected = new ArrayList<>();
        for (StepPlan p = whole.nextStep(2); p != null; p = whole.nextStep(2)) {
            p.slices().forEach(s -> expected.add(s.sampleIds()));
            p.slices().forEach(whole::complete);
        }
        List<long[]> got = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            StepPlan p = first.nextStep(2);
            p.slices().forEach(s -> got.add(s.sampleIds()));
            p.slices().forEach(first::complete);
        }
        byte[] saved = first.state().toBytes();
        EpochSampler resumed = EpochSampler.resume(SamplerState.fromBytes(saved));
        assertEquals(first.state(), resumed.state());
        assertEquals(6, resumed.step());
        for (StepPlan p = resumed.nextStep(2); p != null; p = resumed.nextStep(2)) {
            p.slices().forEach(s -> got.add(s.sampleIds()));
            p.slices().forEach(resumed::complete);
        }
        assertEquals(expected.size(), got.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), got.get(i), "slice " + i);
        }
    }

    /** Step t+1 is planned (and in flight) when step t's checkpoint is taken, as a pipelined runtime does. */
    @Test
    void resumeFromAPipelinedCheckpointReplaysTheInFlightStep() {
        SamplerConfig config = new SamplerConfig(500, 50, 21, true, 1, true);
        EpochSampler whole = new EpochSampler(config, 1);
        List<long[]> expected = new ArrayList<>();
        for (StepPlan p = whole.nextStep(3); p != null; p = whole.nextStep(3)) {
            p.slices().forEach(s -> expected.add(s.sampleIds()));
            p.slices().forEach(whole::complete);
        }
        EpochSampler live = new EpochSampler(config, 1);
        List<long[]> got = new ArrayList<>();
        StepPlan current = live.nextStep(3);
        for (int i = 0; i < 4; i++) {
            StepPlan ahead = live.nextStep(3);
            current.slices().forEach(s -> got.add(s.sampleIds()));
            current.slices().forEach(live::complete);
            current = ahead;
        }
        SamplerState checkpoint = live.state();
        assertEquals(4, checkpoint.step(), "step 4 was planned but not trained");
        EpochSampler resumed = EpochSampler.resume(checkpoint);
        for (StepPlan p = resumed.nextStep(3); p != null; p = resumed.nextStep(3)) {
            p.slices().forEach(s -> got.add(s.sampleIds()));
            p.slices().forEach(resumed::complete);
        }
        assertEquals(expected.size(), got.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), got.get(i), "slice " + i);
        }
    }

    @Test
    void slicesInFlightAtCheckpointAreIssuedAgainOnResume() {
        SamplerConfig config = new SamplerConfig(300, 100, 3, true, 1, true);
        EpochSampler sampler = new EpochSampler(config, 0);
        sampler.nextStep(1).slices().forEach(sampler::complete);
        StepPlan lost = sampler.nextStep(1);
        EpochSampler resumed = EpochSampler.resume(sampler.state());
        assertArrayEquals(lost.slices().get(0).sampleIds(), resumed.nextStep(1).slices().get(0).sampleIds());
    }

    /** Workers join and leave at step boundaries and some slices fail and are re-queued. */
    @Test
    void exactlyOnceAcrossWorkerChangesAndRequeues() {
        SamplerConfig config = new SamplerConfig(1003, 48, 11, true, 1, false);
        EpochSampler sampler = new EpochSampler(config, 2);
        SplittableRandom chaos = new SplittableRandom(5);
        int[] layout = {2, 2, 3, 3, 1, 4, 4, 2};
        Map<Integer, Integer> timesTrained = new HashMap<>();
        List<Slice> pending = new ArrayList<>();
        int steps = 0;
        int requeued = 0;
        while (!sampler.epochDone()) {
            StepPlan plan = sampler.nextStep(layout[steps % layout.length]);
            if (plan != null) {
                steps++;
                pending.addAll(plan.slices());
            }
            // Resolve the oldest step's slices, pipelined one step behind.
            if (pending.size() > 4 || plan == null) {
                List<Slice> resolve = new ArrayList<>(pending);
                pending.clear();
                for (Slice s : resolve) {
                    if (s.size() > 0 && chaos.nextInt(5) == 0) {
                        sampler.requeue(s);
                        requeued++;
                    } else {
                        sampler.complete(s);
                        for (int p : s.positions()) {
                            timesTrained.merge(p, 1, Integer::sum);
                        }
                    }
                }
            }
            assertTrue(steps < 1000, "epoch must end");
        }
        assertTrue(requeued > 3, "the test must exercise re-queues, got " + requeued);
        assertEquals(1003, timesTrained.size());
        assertTrue(timesTrained.values().stream().allMatch(t -> t == 1));
        assertEquals(1003, sampler.consumedCount());
        Slice done = new Slice(2, 0, 0, 1, new int[] {0}, new long[] {sampler.order().sampleId(0)}, new int[] {0});
        assertThrows(IllegalStateException.class, () -> sampler.complete(done), "a position consumed twice is refused");
    }

    @Test
    void repeatedAugmentationGivesEachImageThreeCopiesSpreadOverWorkers() {
        SamplerConfig config = new SamplerConfig(3000, 96, 8, true, 3, true);
        EpochSampler sampler = new EpochSampler(config, 0);
        Map<Long, List<Integer>> copies = new HashMap<>();
        Map<Long, List<Integer>> workers = new HashMap<>();
        for (StepPlan p = sampler.nextStep(4); p != null; p = sampler.nextStep(4)) {
            for (Slice s : p.slices()) {
                for (int k = 0; k < s.size(); k++) {
                    copies.computeIfAbsent(s.sampleIds()[k], x -> new ArrayList<>()).add(s.copies()[k]);
                    workers.computeIfAbsent(s.sampleIds()[k], x -> new ArrayList<>()).add(s.worker());
                }
                sampler.complete(s);
            }
        }
        // 3000 positions / 96 = 31 steps = 2976 positions = 992 images x 3.
        assertEquals(992, copies.size());
        for (Map.Entry<Long, List<Integer>> e : copies.entrySet()) {
            assertEquals(List.of(0, 1, 2), e.getValue().stream().sorted().toList(), "copies of " + e.getKey());
            assertEquals(3, workers.get(e.getKey()).stream().distinct().count(), "copies on three workers");
        }
    }

    @Test
    void sampleRngDependsOnKeysOnly() {
        assertEquals(SampleRng.forSample(1, 2, 3, 0).nextLong(), SampleRng.forSample(1, 2, 3, 0).nextLong());
        long base = SampleRng.forSample(1, 2, 3, 0).nextLong();
        assertNotEquals(base, SampleRng.forSample(1, 2, 3, 1).nextLong());
        assertNotEquals(base, SampleRng.forSample(1, 2, 4, 0).nextLong());
        assertNotEquals(base, SampleRng.forSample(1, 3, 3, 0).nextLong());
        assertNotEquals(base, SampleRng.forSample(2, 2, 3, 0).nextLong());
        assertNotEquals(base, SampleRng.forStep(1, 2, 3, 0).nextLong());
        assertFalse(SampleRng.mix(1, 2) == SampleRng.mix(2, 1));
    }
}
