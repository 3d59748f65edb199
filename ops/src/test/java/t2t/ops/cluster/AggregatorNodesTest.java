package t2t.ops.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parameter shards on {@code aggregator} nodes, with real JVMs on 127.0.0.1: an aggregator node that
 * joins mid-run takes its shards (parameters and AdamW state) and the weights come out bit for bit
 * as without it; an aggregator node SIGKILLed mid-epoch sends the job back to its last checkpoint,
 * and every sample is still trained once per epoch.
 */
@Tag("slow")
class AggregatorNodesTest {
    private static final String COORDINATOR_WORKER = "worker,loader,teacher,coordinator";
    private static final String ALL = "worker,loader,teacher,aggregator,coordinator";

    @Test
    void aggregatorNodeJoiningMidRunLeavesTheWeightsBitIdentical(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir)
            throws Exception {
        try (ClusterProcesses c = new ClusterProcesses(dir)) {
            c.node("n1", c.seedPort, ALL, null);
            // A standby: with the seed alone, the first client's leaving could tie the split brain resolver's vote.
            c.node("n0", ClusterProcesses.freePort(), "coordinator", null);
            // 900 steps of a tiny model: long enough for a JVM to start and join mid-run.
            // Clipping: the shards on both nodes also agree on the global gradient norm across the wire.
            JsonNode still = c.summary(c.train("still", 1, null, 7200, "--epochs", "3", "--clip-grad", "1.0"), "still", 240);
            assertEquals(0, still.get("shards_moved").asInt());

            Process train = c.train("moved", 1, null, 7200, "--epochs", "3", "--clip-grad", "1.0");
            ClusterProcesses.await("step 5", 150, () -> c.reached("moved", 5) || !train.isAlive());
            int joinerPort = ClusterProcesses.freePort();
            c.node("n2", joinerPort, "aggregator", null);
            JsonNode moved = c.summary(train, "moved", 240);

            assertTrue(moved.get("shards_moved").asInt() > 0, "shards moved to the joining node: " + moved);
            assertNotNull(moved.get("shard_placement").get("127.0.0.1:" + joinerPort), moved.toString());
            assertTrue(c.log("n2.err").contains("steps applied) for incarnation"), "the joiner hosts shards");
            assertEquals("[7200,7200,7200]", moved.get("samples_trained_per_epoch").toString());
            assertEquals(0, moved.get("duplicate_samples").asInt());
            assertEquals(still.get("weights_sha256").asText(), moved.get("weights_sha256").asText(),
                    "the moved shards' state (parameters, moments, step) arrived exactly");
        }
    }

    @Test
    void aggregatorNodeKilledTheJobResumesFromItsCheckpoint(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir)
            throws Exception {
        try (ClusterProcesses c = new ClusterProcesses(dir)) {
            int metricsPort = ClusterProcesses.freePort();
            c.node("n1", c.seedPort, COORDINATOR_WORKER, null, "--metrics-port", Integer.toString(metricsPort));
            ClusterProcesses.await("the seed node", 60, () -> c.log("n1.err").contains("job manager up"));
            int doomedPort = ClusterProcesses.freePort();
            Process doomed = c.node("n2", doomedPort, "aggregator", null);
            c.node("n3", ClusterProcesses.freePort(), "worker,loader,teacher", null);
            ClusterProcesses.await("the aggregator node up", 60, () -> c.log("n1.err").contains(":" + doomedPort + " up"));
            Process train = c.train("k", 2, null, 480, "--epochs", "2", "--checkpoint-every", "5");
            Path ckpt = c.runDir("k").resolve("checkpoints/step-15");
            ClusterProcesses.await("the step-15 checkpoint", 150, () -> Files.isDirectory(ckpt) || !train.isAlive());
            assertTrue(c.log("n1.err").contains("on 127.0.0.1:" + doomedPort), "the shards ran on the aggregator node");
            long killed = System.nanoTime();
            doomed.destroyForcibly(); // SIGKILL
            ClusterProcesses.await("the job's next incarnation", 60,
                    () -> c.log("n1.err").contains("t2t: resuming from"));
            double resumedS = (System.nanoTime() - killed) / 1e9;
            System.out.printf("aggregator node SIGKILL: resumed from the checkpoint after %.1f s%n", resumedS);
            JsonNode s = c.summary(train, "k", 200);
            assertEquals("[480,480]", s.get("samples_trained_per_epoch").toString());
            assertEquals(0, s.get("duplicate_samples").asInt());
            assertEquals(40, s.get("steps").asInt());
            String log = c.log("n1.err");
            assertTrue(log.contains("aggregator node 127.0.0.1:" + doomedPort + " lost with shards"), "the log names the node");
            assertTrue(ClusterProcesses.scrape(metricsPort).contains("t2t_node_failures_total{node=\"127.0.0.1:" + doomedPort
                    + "\",reason=\"lost its parameter shards\"} 1"), "the metrics name the lost node and why");
            assertTrue(resumedS < 30, "resumed " + resumedS + " s after the aggregator node was killed");
        }
    }
}
