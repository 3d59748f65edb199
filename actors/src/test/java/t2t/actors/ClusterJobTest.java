package t2t.actors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import t2t.actors.cluster.ClusterNode;
import t2t.actors.cluster.JobSubmitter;
import t2t.actors.cluster.TestNodes;
import t2t.actors.engine.JobAssembly;
import t2t.actors.runtime.JobListener;
import t2t.protocol.RunFailedException;

import java.io.PrintStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cluster nodes as several actor systems in one JVM on 127.0.0.1: every message between the
 * coordinator's node and the other workers crosses Artery through the Kryo and tensor serializers.
 */
class ClusterJobTest {
    private static final int SAMPLES = 640;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<ActorSystem<Void>> systems = new ArrayList<>();

    /** The softmax student with plain SGD, 2 shards; the summary carries the final weights. */
    private static final TestJobs.SoftmaxJob JOB =
            new TestJobs.SoftmaxJob("cluster", SAMPLES, 2, 0.5, () -> new TestJobs.Sgd(0.5));

    /** Per batch: slow enough that a node's leaving lands mid-run; negative: the nodes have no data. */
    private static TestJobs.ClusterJob jobs(long batchMillis) {
        return new TestJobs.ClusterJob(JOB, batchMillis);
    }

    private ActorSystem<Void> node(int port, String seed, List<String> roles, TestJobs.ClusterJob jobs) {
        ActorSystem<Void> s = ClusterNode.start("127.0.0.1", port, seed, roles, 1, null, jobs, (n, why) -> { });
        systems.add(s);
        return s;
    }

    private static JsonNode submit(String seed, int minWorkers, int epochs) throws Exception {
        Map<String, String> cfg = Map.of("epochs", Integer.toString(epochs));
        String summary = JobSubmitter.submit("127.0.0.1", seed, null, "job", cfg, minWorkers, Duration.ofSeconds(90),
                new PrintStream(OutputStream.nullOutputStream()));
        return JSON.readTree(summary);
    }

    @AfterEach
    void stop() throws Exception {
        TestNodes.terminate(systems);
    }

    /** A seed node with every role and a worker-only node; returns the seed's address. */
    private String twoNodes(TestJobs.ClusterJob jobs) throws Exception {
        int port = TestNodes.freePort();
        String seed = "127.0.0.1:" + port;
        node(port, seed, ClusterNode.ROLES, jobs);
        node(TestNodes.freePort(), seed, List.of("worker"), jobs);
        return seed;
    }

    @Test
    void twoNodesTrainLikeTwoLocalWorkers() throws Exception {
        String seed = twoNodes(jobs(0));
        JsonNode s = submit(seed, 2, 2);
        assertEquals("[640,640]", s.get("samples_trained_per_epoch").toString());
        assertEquals(0, s.get("duplicate_samples").asInt());
        assertEquals(1, s.get("generations").asInt());

        JobListener.JobResult local = LocalJob.run(JOB.spec(2, 2, 0), new JobListener() { }).get(60, TimeUnit.SECONDS);
        // Ranks may register in another order, which only reorders the float sums of the average.
        assertArrayEquals(JobAssembly.flatten(local.shards()), TestJobs.params(s), 1e-5f);
    }

    @Test
    void aNodeThatLeavesMidEpochHasItsSliceRequeued() throws Exception {
        TestJobs.ClusterJob jobs = jobs(25);
        String seed = twoNodes(jobs);
        ActorSystem<Void> leaving = node(TestNodes.freePort(), seed, List.of("worker"), jobs);
        CompletableFuture<JsonNode> result = CompletableFuture.supplyAsync(() -> {
            try {
                return submit(seed, 3, 6);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        jobs.reachedStep5.get(60, TimeUnit.SECONDS);
        leaving.terminate();
        JsonNode s = result.get(90, TimeUnit.SECONDS);
        assertEquals("[640,640,640,640,640,640]", s.get("samples_trained_per_epoch").toString());
        assertEquals(0, s.get("duplicate_samples").asInt());
        assertEquals(1, s.get("workers_lost").asInt());
        assertEquals(2, s.get("generations").asInt());
    }

    @Test
    void aNodeThatCannotStartItsWorkersFailsTheJobSayingWhy() throws Exception {
        String seed = twoNodes(jobs(-1));
        RunFailedException e = assertThrows(RunFailedException.class, () -> submit(seed, 2, 1));
        // The seed also hosts the shards, which need the data too (its size sets the schedule): either may say so first.
        assertTrue(e.getMessage().matches(".*could not (start its workers|host parameter shards): --data /nowhere: no such folder.*"),
                e.getMessage());
    }
}
