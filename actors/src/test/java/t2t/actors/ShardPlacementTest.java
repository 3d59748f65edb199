package t2t.actors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import t2t.actors.cluster.ClusterNode;
import t2t.actors.cluster.JobManager;
import t2t.actors.cluster.JobSubmitter;
import t2t.actors.cluster.NodeAgent;
import t2t.actors.cluster.ShardHost;
import t2t.actors.cluster.TestNodes;
import t2t.actors.engine.JobAssembly;
import t2t.actors.runtime.JobListener;

import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parameter shards on aggregator nodes, as actor systems in one JVM on 127.0.0.1: shards placed on
 * a node that is not the coordinator's, and shards moved (parameters and momentum) to an aggregator
 * node that joins mid-run, which must leave the trained weights bit for bit as they were.
 */
class ShardPlacementTest {
    private static final int SAMPLES = 480;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<ActorSystem<Void>> systems = new ArrayList<>();

    /** The softmax student with momentum SGD (state that must move with its shard), 3 shards. */
    private static final TestJobs.SoftmaxJob JOB =
            new TestJobs.SoftmaxJob("shards", SAMPLES, 3, 0.3, () -> new TestJobs.MomentumSgd(0.3, 0.9));

    /** Moves the seed's job manager abandoned, counted from the failures it reports. */
    private final java.util.concurrent.atomic.AtomicInteger abandoned = new java.util.concurrent.atomic.AtomicInteger();

    private String node(int port, String seed, List<String> roles, TestJobs.ClusterJob jobs) {
        systems.add(ClusterNode.start("127.0.0.1", port, seed, roles, 1, null, jobs, (n, why) -> {
            if (why.equals("shard move abandoned")) {
                abandoned.incrementAndGet();
            }
        }));
        return "127.0.0.1:" + port;
    }

    private static CompletableFuture<JsonNode> submit(String seed, int epochs) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return JSON.readTree(JobSubmitter.submit("127.0.0.1", seed, null, "job",
                        Map.of("epochs", Integer.toString(epochs)), 1, Duration.ofSeconds(120),
                        new PrintStream(OutputStream.nullOutputStream())));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private int agentsKnownAtSeed() throws Exception {
        ActorSystem<Void> seed = systems.get(0);
        Receptionist.Listing l = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(seed.receptionist(),
                        replyTo -> Receptionist.find(NodeAgent.KEY, replyTo), Duration.ofSeconds(5), seed.scheduler())
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        return l.getServiceInstances(NodeAgent.KEY).size();
    }

    @AfterEach
    void stop() throws Exception {
        TestNodes.terminate(systems);
        systems.clear();
    }

    /** One worker, so that two runs sum their gradients in the same order and can agree bit for bit. */
    @Test
    void aJoiningAggregatorNodeTakesItsShardsWithTheirStateAndTheWeightsStayExact() throws Exception {
        int epochs = 3;
        TestJobs.ClusterJob still = new TestJobs.ClusterJob(JOB, 0);
        int port = TestNodes.freePort();
        String seed = node(port, "127.0.0.1:" + port, ClusterNode.ROLES, still);
        JsonNode unmoved = submit(seed, epochs).get(120, TimeUnit.SECONDS);
        assertEquals(0, unmoved.get("shards_moved").asInt());
        assertEquals("{\"" + seed + "\":[0,1,2]}", unmoved.get("shard_placement").toString());
        stop();

        TestJobs.ClusterJob moving = new TestJobs.ClusterJob(JOB, 20);
        port = TestNodes.freePort();
        seed = node(port, "127.0.0.1:" + port, ClusterNode.ROLES, moving);
        CompletableFuture<JsonNode> result = submit(seed, epochs);
        moving.reachedStep5.get(60, TimeUnit.SECONDS);
        assertEquals(3, ShardHost.hostedHere(), "the node metrics' t2t_shards_hosted");
        String joiner = node(TestNodes.freePort(), seed, List.of("aggregator"), moving);
        JsonNode moved = result.get(120, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (ShardHost.hostedHere() != 0) {
            assertTrue(System.nanoTime() < deadline, "the job's end stops its shards: " + ShardHost.hostedHere());
            Thread.sleep(50);
        }

        // Round-robin over [seed, joiner]: shard 1 moved, with its parameters and momentum.
        assertEquals(1, moved.get("shards_moved").asInt(), moved.toString());
        assertEquals(JSON.readTree("{\"" + seed + "\":[0,2],\"" + joiner + "\":[1]}"), moved.get("shard_placement"));
        assertEquals(2, moved.get("generations").asInt(), "the move starts a generation at a step boundary");
        assertEquals("[480,480,480]", moved.get("samples_trained_per_epoch").toString());
        assertEquals(0, moved.get("duplicate_samples").asInt());
        assertArrayEquals(TestJobs.params(unmoved), TestJobs.params(moved), "the weights do not depend on where the shards ran");
    }

    /**
     * Two joiners whose moves cannot finish: one cannot build the optimizer (its shard host fails),
     * one takes longer than the move timeout (2 s here) to set its shard host up. Both moves are
     * abandoned with the shards where they were; a third joiner then takes shard 1, and the weights
     * are still those of a run without any join.
     */
    @Test
    void joinsThatCannotFinishAreAbandonedAndALaterJoinStillTakesShards() throws Exception {
        TestJobs.ClusterJob still = new TestJobs.ClusterJob(JOB, 0);
        int port = TestNodes.freePort();
        String seed = node(port, "127.0.0.1:" + port, ClusterNode.ROLES, still);
        JsonNode unmoved = submit(seed, 3).get(120, TimeUnit.SECONDS);
        stop();

        TestJobs.ClusterJob moving = new TestJobs.ClusterJob(JOB, 100);
        System.setProperty(JobManager.MOVE_TIMEOUT_KEY, "2s");
        com.typesafe.config.ConfigFactory.invalidateCaches();
        try {
            port = TestNodes.freePort();
            seed = node(port, "127.0.0.1:" + port, ClusterNode.ROLES, moving);
        } finally {
            System.clearProperty(JobManager.MOVE_TIMEOUT_KEY);
            com.typesafe.config.ConfigFactory.invalidateCaches();
        }
        CompletableFuture<JsonNode> result = submit(seed, 3);
        moving.reachedStep5.get(60, TimeUnit.SECONDS);
        node(TestNodes.freePort(), seed, List.of("aggregator"), new TestJobs.ClusterJob(JOB, 100) {
            @Override
            public t2t.actors.cluster.ClusterJobs.ShardSide shardSide(Map<String, String> config) {
                throw new IllegalStateException("no optimizer here");
            }
        });
        node(TestNodes.freePort(), seed, List.of("aggregator"), new TestJobs.ClusterJob(JOB, 100) {
            @Override
            public t2t.actors.cluster.ClusterJobs.ShardSide shardSide(Map<String, String> config) {
                try {
                    Thread.sleep(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.shardSide(config);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (abandoned.get() < 2) {
            assertTrue(System.nanoTime() < deadline, "both moves abandoned: " + abandoned.get());
            Thread.sleep(50);
        }
        String joiner = node(TestNodes.freePort(), seed, List.of("aggregator"), new TestJobs.ClusterJob(JOB, 100));
        JsonNode moved = result.get(120, TimeUnit.SECONDS);

        assertEquals(2, moved.get("shard_moves_abandoned").asInt(), moved.toString());
        assertEquals(1, moved.get("shards_moved").asInt(), moved.toString());
        assertEquals(JSON.readTree("{\"" + seed + "\":[0,2],\"" + joiner + "\":[1]}"), moved.get("shard_placement"));
        assertEquals("[480,480,480]", moved.get("samples_trained_per_epoch").toString());
        assertEquals(0, moved.get("duplicate_samples").asInt());
        assertArrayEquals(TestJobs.params(unmoved), TestJobs.params(moved), "abandoned moves leave the weights as they were");
    }

    @Test
    void shardsRunOnTheAggregatorNodesAndNotBesideTheCoordinator() throws Exception {
        TestJobs.ClusterJob jobs = new TestJobs.ClusterJob(JOB, 0);
        int port = TestNodes.freePort();
        String seed = node(port, "127.0.0.1:" + port, List.of("coordinator", "worker"), jobs);
        String a = node(TestNodes.freePort(), seed, List.of("aggregator"), jobs);
        String b = node(TestNodes.freePort(), seed, List.of("aggregator"), jobs);
        // The seed knows both aggregator nodes before the job starts, so the first placement uses them.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (agentsKnownAtSeed() < 3) {
            assertTrue(System.nanoTime() < deadline, "the seed lists three node agents");
            Thread.sleep(100);
        }
        JsonNode s = submit(seed, 2).get(120, TimeUnit.SECONDS);
        List<String> nodes = a.compareTo(b) < 0 ? List.of(a, b) : List.of(b, a);
        assertEquals(JSON.readTree("{\"" + nodes.get(0) + "\":[0,2],\"" + nodes.get(1) + "\":[1]}"),
                s.get("shard_placement"), s.toString());
        assertEquals(0, s.get("shards_moved").asInt());
        assertEquals("[480,480]", s.get("samples_trained_per_epoch").toString());

        JobListener.JobResult local = LocalJob.run(JOB.spec(1, 2, 0), new JobListener() { }).get(60, TimeUnit.SECONDS);
        assertArrayEquals(JobAssembly.flatten(local.shards()), TestJobs.params(s),
                "one worker's shards give the same weights wherever they run");
    }
}
