package t2t.actors;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import t2t.actors.config.SyncMode;
import t2t.actors.runtime.ShardRange;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A worker installs only parameters that carry their shard's token, whoever else can reach it. */
class WorkerTokenTest {
    private static final ActorTestKit KIT = ActorTestKit.create();

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    @Test
    void parametersWithTheWrongTokenAreDroppedAndTheReplicaKeepsItsOwn() throws Exception {
        SoftmaxStudent student = new SoftmaxStudent(TestJobs.FEATURES, TestJobs.CLASSES);
        int n = student.numParams();
        TestProbe<Coordinator.Command> coordinator = KIT.createTestProbe();
        TestProbe<AggregatorActor.Command> shard = KIT.createTestProbe();
        TestProbe<LoaderActor.Command> loaders = KIT.createTestProbe();
        ActorRef<WorkerActor.Command> worker = KIT.spawn(WorkerActor.create("w0", () -> student,
                new TestJobs.Top1(new TestJobs.Data(30)), coordinator.getRef(), loaders.getRef(), null,
                SyncMode.parse("sync"), 1, 1));
        coordinator.expectMessageClass(Coordinator.Register.class);
        ShardRange all = new ShardRange(0, 0, n);
        // Parameters before the topology wait for it: their token cannot be checked yet.
        worker.tell(new WorkerActor.ShardParams(-1, all, filled(n, 2f), 77L));
        worker.tell(new WorkerActor.Topology(0, List.of(shard.getRef()), List.of(all), 5L, new long[] {77L}, 3L));
        shard.expectMessageClass(AggregatorActor.FetchParams.class);
        coordinator.expectMessageClass(Coordinator.RequestWork.class);
        assertArrayEquals(filled(n, 2f), student.readParams(), 0f);

        long droppedBefore = t2t.actors.telemetry.DroppedMessages.byReason().getOrDefault("parameters with a wrong token", 0L);
        worker.tell(new WorkerActor.ShardParams(0, all, filled(n, -9f), 78L));
        worker.tell(new WorkerActor.ShardParams(0, new ShardRange(3, 0, n), filled(n, -9f), 77L));
        worker.tell(new WorkerActor.ShardParams(0, all, filled(n, 3f), 77L));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (student.readParams()[0] != 3f && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        // Messages from one sender arrive in order: the two forged ones were handled before this.
        assertArrayEquals(filled(n, 3f), student.readParams(), 0f);
        assertEquals(droppedBefore + 2,
                t2t.actors.telemetry.DroppedMessages.byReason().get("parameters with a wrong token").longValue());

        // Work comes from the coordinator of the first topology only, and so do later topologies.
        worker.tell(new WorkerActor.Topology(1, List.of(), List.of(), 6L, new long[] {0L}, 4L));
        worker.tell(new WorkerActor.Work(0, 0, 0, 0, new long[] {1, 2}, new int[2], false, false, 4L));
        loaders.expectNoMessage();
        worker.tell(new WorkerActor.Work(0, 0, 0, 0, new long[] {1, 2}, new int[2], false, false, 3L));
        assertEquals(0, ((LoaderActor.Load) loaders.receiveMessage()).work().step());

        // A forged "no more work" would make the worker stop asking for work and stall the job.
        long wrongWork = t2t.actors.telemetry.DroppedMessages.byReason().getOrDefault("work with a wrong token", 0L);
        worker.tell(new WorkerActor.NoMoreWork(4L));
        worker.tell(new WorkerActor.Work(1, 0, 0, 0, new long[] {3}, new int[1], false, false, 3L));
        assertEquals(1, ((LoaderActor.Load) loaders.receiveMessage()).work().step());
        assertEquals(wrongWork + 1, t2t.actors.telemetry.DroppedMessages.byReason().get("work with a wrong token").longValue());
    }
}
