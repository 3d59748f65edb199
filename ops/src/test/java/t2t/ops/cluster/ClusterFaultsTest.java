package t2t.ops.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real cluster nodes as JVMs on 127.0.0.1: a worker node SIGKILLed mid-epoch, a worker node added
 * mid-epoch, the seed and coordinator node SIGKILLed. Every sample is trained once per epoch.
 */
@Tag("slow")
class ClusterFaultsTest {
    private static final String ALL = "worker,loader,teacher,aggregator,coordinator";
    private static final String WORKER = "worker,loader,teacher";

    @Test
    void workerNodeKilledAtStepTenTheSurvivorsFinishTheEpoch(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        try (ClusterProcesses c = new ClusterProcesses(dir)) {
            Path certs = c.certs(4);
            int metricsPort = ClusterProcesses.freePort();
            c.node("n1", c.seedPort, ALL, certs.resolve("node-1"), "--metrics-port", Integer.toString(metricsPort));
            c.node("n2", ClusterProcesses.freePort(), WORKER, certs.resolve("node-2"));
            int doomedPort = ClusterProcesses.freePort();
            Process doomed = c.node("n3", doomedPort, WORKER, certs.resolve("node-3"));
            Process train = c.train("a", 3, certs.resolve("node-4"), 480, "--epochs", "2");
            ClusterProcesses.await("step 10", 150, () -> c.reached("a", 10) || !train.isAlive());
            doomed.destroyForcibly(); // SIGKILL
            long killed = System.nanoTime();
            ClusterProcesses.await("the coordinator to drop the lost worker", 60,
                    () -> c.log("n1.err").contains("(lost 127.0.0.1:"));
            double lossS = (System.nanoTime() - killed) / 1e9;
            JsonNode s = c.summary(train, "a", 150);
            assertEquals("[480,480]", s.get("samples_trained_per_epoch").toString());
            assertEquals(0, s.get("duplicate_samples").asInt());
            assertEquals(0, s.get("workers_restarted").asInt());
            assertEquals(1, s.get("workers_lost").asInt());
            assertTrue(s.get("steps").asInt() >= 40, "a smaller world trains the rest of the epoch in more steps");
            String log = c.log("n1.err");
            Matcher m = Pattern.compile("removed \\(downed after being unreachable\\), ([0-9.]+) s after").matcher(log);
            assertTrue(m.find(), "the coordinator node logs which node was removed and why");
            assertTrue(ClusterProcesses.scrape(metricsPort).contains("t2t_node_failures_total{node=\"127.0.0.1:" + doomedPort
                    + "\",reason=\"removed: downed after being unreachable\"} 1"), "the metrics name the lost node and why");
            double removedS = Double.parseDouble(m.group(1));
            System.out.printf("worker node SIGKILL: unreachable -> removed %.1f s; kill -> new generation %.1f s%n",
                    removedS, lossS);
            assertTrue(lossS < 12, "the survivors went on " + lossS + " s after the kill");
        }
    }

    @Test
    void workerNodeAddedMidEpochTrainsFromTheNextStep(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        try (ClusterProcesses c = new ClusterProcesses(dir)) {
            c.node("n1", c.seedPort, ALL, null);
            c.node("n2", ClusterProcesses.freePort(), WORKER, null);
            // Long enough (3 x 60 steps) for the third JVM to start, load its data and join.
            Process train = c.train("b", 2, null, 1440, "--epochs", "3");
            ClusterProcesses.await("step 5", 150, () -> c.reached("b", 5) || !train.isAlive());
            c.node("n3", ClusterProcesses.freePort(), WORKER, null);
            JsonNode s = c.summary(train, "b", 170);
            assertEquals("[1440,1440,1440]", s.get("samples_trained_per_epoch").toString());
            assertEquals(0, s.get("duplicate_samples").asInt());
            assertEquals(0, s.get("workers_restarted").asInt());
            assertEquals(1, s.get("workers_joined").asInt());
            assertEquals(2, s.get("generations").asInt());
            String log = c.log("n1.err");
            Matcher m = Pattern.compile("generation 1: 3 workers \\(joined .* at step (\\d+)\\)").matcher(log);
            assertTrue(m.find(), "the joiner was admitted at a step boundary");
            assertTrue(Integer.parseInt(m.group(1)) < 180, "admitted before the end");
            assertTrue(c.log("n3.err").contains("1 workers started for the job"), "the new node runs a worker");
        }
    }

    @Test
    void seedAndCoordinatorNodeKilledTheJobResumesFromItsCheckpoint(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        try (ClusterProcesses c = new ClusterProcesses(dir)) {
            Process seed = c.node("n1", c.seedPort, ALL, null);
            ClusterProcesses.await("the seed node", 60, () -> c.log("n1.err").contains("job manager up"));
            c.node("n2", ClusterProcesses.freePort(), ALL, null);
            c.node("n3", ClusterProcesses.freePort(), WORKER, null);
            Process train = c.train("c", 3, null, 480, "--epochs", "2", "--checkpoint-every", "5");
            Path ckpt = c.runDir("c").resolve("checkpoints/step-14");
            ClusterProcesses.await("the step-15 checkpoint", 150, () -> Files.isDirectory(ckpt) || !train.isAlive());
            long killed = System.nanoTime();
            seed.destroyForcibly(); // SIGKILL
            ClusterProcesses.await("the job on the next coordinator", 60,
                    () -> c.log("n2.err").contains("resuming from"));
            double resumedS = (System.nanoTime() - killed) / 1e9;
            System.out.println("coordinator loss: resumed from the checkpoint after " + resumedS + " s");
            JsonNode s = c.summary(train, "c", 170);
            assertEquals("[480,480]", s.get("samples_trained_per_epoch").toString());
            assertEquals(0, s.get("duplicate_samples").asInt());
            assertEquals(40, s.get("steps").asInt());
            assertTrue(resumedS < 30, "resumed " + resumedS + " s after the coordinator node was killed");
        }
    }
}
