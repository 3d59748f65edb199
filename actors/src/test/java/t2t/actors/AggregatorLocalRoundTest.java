package t2t.actors;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import t2t.actors.runtime.ShardRange;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** An aggregator's local SGD round: the replicas' sample-weighted mean, sent back and snapshotted. */
class AggregatorLocalRoundTest {
    private static final ActorTestKit KIT = ActorTestKit.create();

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @Test
    void roundAveragesReplicasWeightedBySamplesTrainedSinceTheLastRound() {
        ShardRange range = new ShardRange(0, 0, 2);
        ActorRef<AggregatorActor.Command> agg = KIT.spawn(AggregatorActor.create(range, new float[] {0f, 0f},
                new TestJobs.Sgd(1.0), norm -> 1f, false));
        TestProbe<WorkerActor.Command> w0 = KIT.createTestProbe();
        TestProbe<WorkerActor.Command> w1 = KIT.createTestProbe();
        TestProbe<AggregatorActor.ShardState> sink = KIT.createTestProbe();
        TestProbe<Coordinator.Command> coordinator = KIT.createTestProbe();
        agg.tell(new AggregatorActor.SnapshotTo(sink.getRef()));
        agg.tell(new AggregatorActor.Membership(0, List.of("w0", "w1"), Map.of("w0", w0.getRef(), "w1", w1.getRef()),
                List.of(agg), coordinator.getRef(),
                new java.util.HashMap<>(Map.of("w0", 10L, "w1", 11L)), new long[] {99L}, 42L));

        agg.tell(new AggregatorActor.LocalModel(3, 0, "w1", new float[] {4f, 8f}, 32, false, 11L));
        agg.tell(new AggregatorActor.LocalModel(3, 0, "w0", new float[] {0f, 4f}, 96, true, 10L));
        assertEquals(new Coordinator.BucketArrived(3, 0, "w1", 99L), coordinator.receiveMessage());
        assertEquals(new Coordinator.BucketArrived(3, 0, "w0", 99L), coordinator.receiveMessage());
        // Both replicas are here, but the round waits for the coordinator's commit.
        w0.expectNoMessage();
        agg.tell(new AggregatorActor.Commit(3, List.of("w0", "w1"), 42L));

        WorkerActor.ShardParams to0 = (WorkerActor.ShardParams) w0.receiveMessage();
        WorkerActor.ShardParams to1 = (WorkerActor.ShardParams) w1.receiveMessage();
        // 96 and 32 samples: weights 3/4 and 1/4.
        assertArrayEquals(new float[] {1f, 5f}, to0.data(), 1e-6f);
        assertArrayEquals(to0.data(), to1.data(), 0f);
        assertEquals(3, to0.step());
        AggregatorActor.ShardState snap = sink.receiveMessage();
        assertEquals(4, snap.stepsApplied());
        assertArrayEquals(new float[] {1f, 5f}, snap.params(), 1e-6f);

        // A round older than the last one applied is dropped, not averaged in again.
        agg.tell(new AggregatorActor.LocalModel(1, 0, "w0", new float[] {9f, 9f}, 1, false, 10L));
        TestProbe<AggregatorActor.Stats> stats = KIT.createTestProbe();
        agg.tell(new AggregatorActor.GetStats(stats.getRef()));
        assertEquals(1, stats.receiveMessage().dropped());
    }
}
