package t2t.actors;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import t2t.actors.ledger.SamplerPlan;
import t2t.actors.runtime.ShardRange;
import t2t.actors.runtime.StudentCompute;
import t2t.loader.sampler.SamplerConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The coordinator's step commit, driven message by message: a worker counts in a step when its
 * report arrived and every shard holds its gradient; one lost before that is left out and its
 * slice requeued, one lost after it stays in.
 */
class CoordinatorCommitTest {
    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final int SAMPLES = 32;

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    private static final class Job {
        final ActorRef<Coordinator.Command> coordinator;
        final List<TestProbe<AggregatorActor.Command>> shards = List.of(KIT.createTestProbe(), KIT.createTestProbe());
        final TestProbe<WorkerActor.Command> w0 = KIT.createTestProbe();
        final TestProbe<WorkerActor.Command> w1 = KIT.createTestProbe();

        Job() {
            List<ShardRange> ranges = ShardRange.split(10, 2);
            SamplerPlan plan = new SamplerPlan(new SamplerConfig(SAMPLES, 8, 3, true, 1, false), 1);
            coordinator = KIT.spawn(Coordinator.create(new Coordinator.Settings(2, 0, 0, 1, s -> 0.1, 0, null), plan,
                    new TestJobs.Recorder(), List.of(shards.get(0).getRef(), shards.get(1).getRef()), ranges));
            coordinator.tell(new Coordinator.Register("w0", w0.getRef(), 10));
            coordinator.tell(new Coordinator.Register("w1", w1.getRef(), 10));
            WorkerActor.Topology t0 = w0.expectMessageClass(WorkerActor.Topology.class);
            tokens.put("w0", t0.token());
            tokens.put("w1", w1.expectMessageClass(WorkerActor.Topology.class).token());
            shardTokens = t0.shardTokens();
            coordinatorToken = t0.coordinatorToken();
        }

        long[] shardTokens;
        long coordinatorToken;

        final java.util.Map<String, Long> tokens = new java.util.HashMap<>();

        long token(String id) {
            return tokens.get(id);
        }

        WorkerActor.Work work(TestProbe<WorkerActor.Command> w, String id) {
            coordinator.tell(new Coordinator.RequestWork(id, token(id)));
            WorkerActor.Command c;
            do {
                c = w.receiveMessage(Duration.ofSeconds(5));
            } while (c instanceof WorkerActor.Topology);
            return (WorkerActor.Work) c;
        }

        void done(String id, WorkerActor.Work w) {
            coordinator.tell(new Coordinator.StepDone(id, w.step(), w.epoch(), w.generation(), w.sampleIds(),
                    new long[0], new StudentCompute.StepLoss(1f, 1f, 0f, 0f), w.sampleIds().length, 1.0, true, token(id)));
        }

        void arrived(String id, WorkerActor.Work w, int shard) {
            coordinator.tell(new Coordinator.BucketArrived(w.step(), shard, id, shardTokens[shard]));
        }

        /** The next commit each shard receives (skipping membership and snapshot wiring); both must agree. */
        AggregatorActor.Commit commit() {
            AggregatorActor.Commit first = null;
            for (TestProbe<AggregatorActor.Command> s : shards) {
                AggregatorActor.Command c;
                do {
                    c = s.receiveMessage(Duration.ofSeconds(5));
                } while (!(c instanceof AggregatorActor.Commit));
                if (first == null) {
                    first = (AggregatorActor.Commit) c;
                } else {
                    assertEquals(first, c);
                }
            }
            return first;
        }

        void noCommit() {
            for (TestProbe<AggregatorActor.Command> s : shards) {
                while (true) {
                    AggregatorActor.Command m;
                    try {
                        m = s.receiveMessage(Duration.ofMillis(300));
                    } catch (AssertionError quiet) {
                        break;
                    }
                    assertTrue(!(m instanceof AggregatorActor.Commit), "unexpected " + m);
                }
            }
        }
    }

    private static Set<Long> ids(long[] a) {
        Set<Long> s = new HashSet<>();
        for (long x : a) {
            s.add(x);
        }
        return s;
    }

    @Test
    void aStepCommitsOnlyWhenEveryReportAndEveryShardsArrivalIsIn() {
        Job j = new Job();
        WorkerActor.Work a = j.work(j.w0, "w0");
        WorkerActor.Work b = j.work(j.w1, "w1");
        j.done("w0", a);
        j.arrived("w0", a, 0);
        j.arrived("w0", a, 1);
        j.done("w1", b);
        j.arrived("w1", b, 1);
        j.noCommit();
        j.arrived("w1", b, 0);
        assertEquals(new AggregatorActor.Commit(0, List.of("w0", "w1"), j.coordinatorToken), j.commit());
    }

    /** Reports and registrations as another worker (a member that knows its id, not its token) are refused. */
    @Test
    void aReportWithTheWrongTokenOrARegistrationUnderATakenIdIsRefused() {
        Job j = new Job();
        TestProbe<WorkerActor.Command> impostor = KIT.createTestProbe();
        j.coordinator.tell(new Coordinator.Register("w1", impostor.getRef(), 10));
        WorkerActor.Work a = j.work(j.w0, "w0");
        WorkerActor.Work b = j.work(j.w1, "w1");
        j.coordinator.tell(new Coordinator.StepDone("w1", b.step(), b.epoch(), b.generation(), b.sampleIds(),
                new long[0], new StudentCompute.StepLoss(1f, 1f, 0f, 0f), b.sampleIds().length, 1.0, true,
                j.token("w1") + 1));
        j.coordinator.tell(new Coordinator.BucketArrived(b.step(), 0, "w1", j.shardTokens[0] + 1));
        j.arrived("w1", b, 1);
        j.done("w0", a);
        j.arrived("w0", a, 0);
        j.arrived("w0", a, 1);
        j.noCommit();
        impostor.expectNoMessage(Duration.ofMillis(100));
        j.done("w1", b);
        // An arrival that does not come from the shard does not count either.
        j.coordinator.tell(new Coordinator.BucketArrived(b.step(), 0, "w1", j.shardTokens[0] + 1));
        j.noCommit();
        j.coordinator.tell(new Coordinator.BucketArrived(b.step(), 0, "w1", j.shardTokens[0]));
        assertEquals(new AggregatorActor.Commit(0, List.of("w0", "w1"), j.coordinatorToken), j.commit());
    }

    @Test
    void aWorkerLostBetweenShardsIsLeftOutAndItsSamplesAreRequeued() {
        Job j = new Job();
        WorkerActor.Work a = j.work(j.w0, "w0");
        WorkerActor.Work b = j.work(j.w1, "w1");
        // w1's gradient reached shard 1 only, and its report never came.
        j.arrived("w1", b, 1);
        j.done("w0", a);
        j.arrived("w0", a, 0);
        j.arrived("w0", a, 1);
        j.noCommit();
        j.w1.stop();
        assertEquals(new AggregatorActor.Commit(0, List.of("w0"), j.coordinatorToken), j.commit());
        // w0 now trains alone; w1's slice comes back to it, and nothing else twice.
        Set<Long> trained = new HashSet<>(ids(a.sampleIds()));
        boolean sawLostSlice = false;
        for (int step = 1; trained.size() < SAMPLES; step++) {
            WorkerActor.Work w = j.work(j.w0, "w0");
            for (long id : w.sampleIds()) {
                assertTrue(trained.add(id), "sample " + id + " handed out twice");
            }
            sawLostSlice |= ids(w.sampleIds()).containsAll(ids(b.sampleIds()));
            j.done("w0", w);
            j.arrived("w0", w, 0);
            j.arrived("w0", w, 1);
            assertEquals(new AggregatorActor.Commit(w.step(), List.of("w0"), j.coordinatorToken), j.commit());
        }
        assertTrue(sawLostSlice || trained.containsAll(ids(b.sampleIds())));
    }

    @Test
    void aWorkerLostAfterItsShareWasDeliveredStaysInTheStep() {
        Job j = new Job();
        WorkerActor.Work a = j.work(j.w0, "w0");
        WorkerActor.Work b = j.work(j.w1, "w1");
        j.done("w1", b);
        j.arrived("w1", b, 0);
        j.arrived("w1", b, 1);
        j.w1.stop();
        j.noCommit();
        j.done("w0", a);
        j.arrived("w0", a, 1);
        j.arrived("w0", a, 0);
        assertEquals(new AggregatorActor.Commit(0, List.of("w0", "w1"), j.coordinatorToken), j.commit());
        // Its samples count as trained: the rest of the epoch holds none of them.
        Set<Long> trained = new HashSet<>(ids(a.sampleIds()));
        trained.addAll(ids(b.sampleIds()));
        while (trained.size() < SAMPLES) {
            WorkerActor.Work w = j.work(j.w0, "w0");
            for (long id : w.sampleIds()) {
                assertTrue(trained.add(id), "sample " + id + " handed out twice");
            }
            j.done("w0", w);
            j.arrived("w0", w, 0);
            j.arrived("w0", w, 1);
            j.commit();
        }
        assertEquals(SAMPLES, trained.size());
    }
}
