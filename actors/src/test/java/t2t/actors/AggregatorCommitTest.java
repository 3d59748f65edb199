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

/** A shard applies exactly the contributors the coordinator commits, whatever else it holds. */
class AggregatorCommitTest {
    private static final ActorTestKit KIT = ActorTestKit.create();

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    private record Shard(ActorRef<AggregatorActor.Command> agg, TestProbe<WorkerActor.Command> w0,
                         TestProbe<WorkerActor.Command> w1, TestProbe<Coordinator.Command> coordinator) {}

    private static Shard shard() {
        ShardRange range = new ShardRange(1, 2, 2);
        ActorRef<AggregatorActor.Command> agg = KIT.spawn(AggregatorActor.create(range, new float[] {0f, 0f},
                new TestJobs.Sgd(1.0), norm -> 1f, false));
        TestProbe<WorkerActor.Command> w0 = KIT.createTestProbe();
        TestProbe<WorkerActor.Command> w1 = KIT.createTestProbe();
        TestProbe<Coordinator.Command> coordinator = KIT.createTestProbe();
        agg.tell(new AggregatorActor.Membership(0, List.of("w0", "w1"), Map.of("w0", w0.getRef(), "w1", w1.getRef()),
                List.of(agg), coordinator.getRef(),
                new java.util.HashMap<>(Map.of("w0", 10L, "w1", 11L)), new long[] {98L, 99L}, 42L));
        return new Shard(agg, w0, w1, coordinator);
    }

    @Test
    void reportsEveryArrivalAndWaitsForTheCommit() {
        Shard s = shard();
        s.agg().tell(new AggregatorActor.Gradient(0, 0, "w1", new float[] {4f, 8f}, 16, false, 11L));
        s.agg().tell(new AggregatorActor.Gradient(0, 0, "w0", new float[] {2f, 2f}, 16, false, 10L));
        assertEquals(new Coordinator.BucketArrived(0, 1, "w1", 99L), s.coordinator().receiveMessage());
        assertEquals(new Coordinator.BucketArrived(0, 1, "w0", 99L), s.coordinator().receiveMessage());
        s.w0().expectNoMessage();
        s.agg().tell(new AggregatorActor.Commit(0, List.of("w0", "w1"), 42L));
        WorkerActor.ShardParams p = (WorkerActor.ShardParams) s.w0().receiveMessage();
        // SGD with lr 1 from zero: minus the mean of the two gradients.
        assertArrayEquals(new float[] {-3f, -5f}, p.data(), 0f);
        assertEquals(p.data()[1], ((WorkerActor.ShardParams) s.w1().receiveMessage()).data()[1], 0f);
    }

    /**
     * The worker that died between its messages to different shards: this shard holds its gradient,
     * another shard never got it, so the coordinator commits the step without it. This shard must
     * leave it out too, or the two halves of the model would step with different worker sets.
     */
    @Test
    void leavesOutAGradientItHoldsWhenTheCommitDoesNotNameItsWorker() {
        Shard s = shard();
        s.agg().tell(new AggregatorActor.Gradient(0, 0, "w0", new float[] {2f, 2f}, 16, false, 10L));
        s.agg().tell(new AggregatorActor.Gradient(0, 0, "w1", new float[] {4f, 8f}, 16, false, 11L));
        s.agg().tell(new AggregatorActor.Commit(0, List.of("w0"), 42L));
        assertArrayEquals(new float[] {-2f, -2f}, ((WorkerActor.ShardParams) s.w0().receiveMessage()).data(), 0f);
        // The next step goes on with the named worker alone, and a late gradient of step 0 is dropped.
        s.agg().tell(new AggregatorActor.Gradient(0, 0, "w1", new float[] {100f, 100f}, 16, false, 11L));
        s.agg().tell(new AggregatorActor.Commit(1, List.of("w0"), 42L));
        s.agg().tell(new AggregatorActor.Gradient(1, 0, "w0", new float[] {1f, 1f}, 16, false, 10L));
        assertArrayEquals(new float[] {-3f, -3f}, ((WorkerActor.ShardParams) s.w0().receiveMessage()).data(), 0f);
    }

    /** A member that knows another worker's id but not its token cannot send gradients as it. */
    @Test
    void aGradientWithTheWrongTokenIsDroppedAndNeverCounts() {
        Shard s = shard();
        s.agg().tell(new AggregatorActor.Gradient(0, 0, "w1", new float[] {1000f, 1000f}, 16, false, 12345L));
        s.agg().tell(new AggregatorActor.Gradient(0, 0, "w0", new float[] {2f, 2f}, 16, false, 10L));
        assertEquals(new Coordinator.BucketArrived(0, 1, "w0", 99L), s.coordinator().receiveMessage());
        s.coordinator().expectNoMessage();
        TestProbe<AggregatorActor.Stats> stats = KIT.createTestProbe();
        s.agg().tell(new AggregatorActor.GetStats(stats.getRef()));
        assertEquals(1, stats.receiveMessage().dropped());
        // Parameters go out under the shard's own token.
        s.agg().tell(new AggregatorActor.Gradient(0, 0, "w1", new float[] {4f, 4f}, 16, false, 11L));
        s.agg().tell(new AggregatorActor.Commit(0, List.of("w0", "w1"), 42L));
        WorkerActor.ShardParams p = (WorkerActor.ShardParams) s.w0().receiveMessage();
        assertArrayEquals(new float[] {-3f, -3f}, p.data(), 0f);
        assertEquals(99L, p.token());
    }

    /** Commits and memberships come from the coordinator that sent the first membership, no one else. */
    @Test
    void aCommitOrMembershipWithTheWrongCoordinatorTokenIsDropped() {
        Shard s = shard();
        TestProbe<WorkerActor.Command> rogue = KIT.createTestProbe();
        s.agg().tell(new AggregatorActor.Membership(7, List.of("w0"), Map.of("w0", rogue.getRef()), List.of(s.agg()),
                s.coordinator().getRef(), new java.util.HashMap<>(Map.of("w0", 1L)), new long[] {1L, 1L}, 41L));
        s.agg().tell(new AggregatorActor.Gradient(0, 0, "w0", new float[] {2f, 2f}, 16, false, 10L));
        s.agg().tell(new AggregatorActor.Gradient(0, 0, "w1", new float[] {4f, 4f}, 16, false, 11L));
        s.agg().tell(new AggregatorActor.Commit(0, List.of("w0"), 41L));
        s.w0().expectNoMessage();
        s.agg().tell(new AggregatorActor.Commit(0, List.of("w0", "w1"), 42L));
        assertArrayEquals(new float[] {-3f, -3f}, ((WorkerActor.ShardParams) s.w0().receiveMessage()).data(), 0f);
        rogue.expectNoMessage();
        TestProbe<AggregatorActor.Stats> stats = KIT.createTestProbe();
        s.agg().tell(new AggregatorActor.GetStats(stats.getRef()));
        assertEquals(2, stats.receiveMessage().dropped());
    }

    /** A gradient of a generation the shard has not heard of yet: a member's is checked against its token at once. */
    @Test
    void anEarlyGradientOfAMemberIsKeptOnlyWithItsToken() {
        Shard s = shard();
        s.agg().tell(new AggregatorActor.Gradient(0, 1, "w0", new float[] {7f, 7f}, 16, false, 999L));
        s.agg().tell(new AggregatorActor.Gradient(0, 1, "w0", new float[] {2f, 2f}, 16, false, 10L));
        s.coordinator().expectNoMessage();
        s.agg().tell(new AggregatorActor.Membership(1, List.of("w0", "w1"), Map.of("w0", s.w0().getRef(), "w1",
                s.w1().getRef()), List.of(s.agg()), s.coordinator().getRef(),
                new java.util.HashMap<>(Map.of("w0", 10L, "w1", 11L)), new long[] {98L, 99L}, 42L));
        assertEquals(new Coordinator.BucketArrived(0, 1, "w0", 99L), s.coordinator().receiveMessage());
        TestProbe<AggregatorActor.Stats> stats = KIT.createTestProbe();
        s.agg().tell(new AggregatorActor.GetStats(stats.getRef()));
        assertEquals(1, stats.receiveMessage().dropped());
    }

    @Test
    void aCommitThatArrivesFirstWaitsForItsGradients() {
        Shard s = shard();
        s.agg().tell(new AggregatorActor.Commit(1, List.of("w0", "w1"), 42L));
        s.agg().tell(new AggregatorActor.Commit(0, List.of("w1"), 42L));
        s.agg().tell(new AggregatorActor.Gradient(1, 0, "w0", new float[] {1f, 1f}, 8, false, 10L));
        s.agg().tell(new AggregatorActor.Gradient(1, 0, "w1", new float[] {4f, 4f}, 24, false, 11L));
        s.w0().expectNoMessage();
        s.agg().tell(new AggregatorActor.Gradient(0, 0, "w1", new float[] {1f, 2f}, 16, false, 11L));
        assertEquals(0, ((WorkerActor.ShardParams) s.w0().receiveMessage()).step());
        WorkerActor.ShardParams after1 = (WorkerActor.ShardParams) s.w0().receiveMessage();
        assertEquals(1, after1.step());
        // Step 1 weighs 8 and 24 samples: mean 3.25.
        assertArrayEquals(new float[] {-1f - 3.25f, -2f - 3.25f}, after1.data(), 0f);
    }
}
