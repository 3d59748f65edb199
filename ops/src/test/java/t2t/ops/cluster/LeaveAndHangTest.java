package t2t.ops.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real cluster nodes as JVMs on 127.0.0.1 (3 TLS nodes, as {@link ClusterFaultsTest}): a worker node
 * that leaves on SIGTERM, and a worker node frozen with SIGSTOP (a hung peer, the torchrun failure
 * mode) and thawed with SIGCONT once the survivors went on. Every sample is trained once per epoch
 * and no healthy worker is restarted.
 */
@Tag("slow")
class LeaveAndHangTest {
    private static final String ALL = "worker,loader,teacher,aggregator,coordinator";
    private static final String WORKER = "worker,loader,teacher";
    /**
     * 80 steps of 24 an epoch (about 40-75 ms each here): a leaving node trains on until it is removed
     * (2-5 s), so the job still runs when the node is gone, and again when a frozen one is thawed.
     */
    private static final int SAMPLES = 1920;

    /**
     * SIGTERM runs the node's coordinated shutdown, whose cluster-leave phase leaves the cluster:
     * the others remove it as soon as it has exited, with no failure detector or downing wait.
     */
    @Test
    void workerNodeTerminatedAtStepTenLeavesAndTheSurvivorsFinish(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        try (ClusterProcesses c = new ClusterProcesses(dir)) {
            Job job = Job.atStepTen(c, "a");
            int leaverPort = job.thirdPort();
            Process leaver = job.third();
            leaver.destroy(); // SIGTERM
            long terminated = System.nanoTime();
            double lossS = job.awaitLost(terminated);
            assertTrue(leaver.waitFor(30, TimeUnit.SECONDS), "the terminated node exits");
            double exitS = (System.nanoTime() - terminated) / 1e9;
            job.assertExact();
            String log = c.log("n1.err");
            assertTrue(log.contains("node 127.0.0.1:" + leaverPort + " removed (left gracefully)"),
                    "the coordinator node saw a leave, not a crash");
            assertFalse(log.contains("node 127.0.0.1:" + leaverPort + " unreachable"),
                    "a leaving node is never unreachable: no failure detector wait");
            assertFalse(log.contains("node 127.0.0.1:" + leaverPort + " downed"), "a leaving node is not downed");
            System.out.printf("worker node SIGTERM: new generation of the survivors %.1f s after the signal;"
                    + " the node's JVM exited after %.1f s (exit %d)%n", lossS, exitS, leaver.exitValue());
            // Leaving, exiting and removal take a few gossip rounds of 1 s: 2.4-4.8 s measured here, against
            // 7-10 s for a frozen node, which waits for the failure detector and the Split Brain Resolver.
            assertTrue(lossS < 8, "the survivors went on " + lossS + " s after the SIGTERM");
        }
    }

    /**
     * A frozen JVM answers no heartbeat: the failure detector marks it unreachable, the Split Brain
     * Resolver downs it, and the survivors go on without it. Thawed, it is quarantined by the others:
     * what it sends is not delivered, it cannot rejoin the job, and it exits saying why.
     */
    @Test
    void workerNodeFrozenAtStepTenIsDownedAndExitsWhenThawed(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        try (ClusterProcesses c = new ClusterProcesses(dir)) {
            Job job = Job.atStepTen(c, "h");
            int frozenPort = job.thirdPort();
            Process frozen = job.third();
            ClusterProcesses.signal(frozen, "STOP");
            long stopped = System.nanoTime();
            double lossS = job.awaitLost(stopped);
            boolean runningAtThaw = job.train().isAlive();
            ClusterProcesses.signal(frozen, "CONT");
            long thawed = System.nanoTime();
            JsonNode s = job.assertExact();
            assertEquals(0, s.get("workers_joined").asInt(), "the thawed node did not rejoin the job");
            assertEquals(2, s.get("generations").asInt());
            assertFalse(c.log("n1.err").contains("127.0.0.1:" + frozenPort + "/w0 asks to join"),
                    "the thawed node's worker did not ask to join again");
            assertTrue(frozen.waitFor(60, TimeUnit.SECONDS), "the thawed node exits; its log:\n" + c.log("n3.err"));
            double exitS = (System.nanoTime() - thawed) / 1e9;
            String log = c.log("n1.err");
            Matcher m = Pattern.compile("node 127.0.0.1:" + frozenPort
                    + " removed \\(downed after being unreachable\\), ([0-9.]+) s after").matcher(log);
            assertTrue(m.find(), "the coordinator node logs that the frozen node was downed");
            // Nothing the thawed node sends is delivered: the others quarantined its actor system on removal,
            // and refuse its connections (Pekko's own log lines, pinned by its version).
            assertTrue(Pattern.compile("Association to \\[pekko://t2t@127.0.0.1:" + frozenPort
                    + "\\] with UID \\[-?\\d+\\] is irrecoverably failed. UID is now quarantined").matcher(log).find(),
                    "the coordinator node quarantined the frozen node");
            String thawedLog = c.log("n3.err");
            assertTrue(thawedLog.contains("quarantined this node"), "the thawed node was told it is quarantined");
            assertTrue(thawedLog.contains("t2t: node 127.0.0.1:" + frozenPort + " was removed from the cluster"),
                    "the thawed node says why it stops:\n" + thawedLog);
            System.out.printf("worker node SIGSTOP: unreachable -> removed %s s; stop -> new generation %.1f s;"
                    + " thawed while the job %s; the thawed JVM exited %.1f s later (exit %d)%n", m.group(1), lossS,
                    runningAtThaw ? "still ran" : "had finished", exitS, frozen.exitValue());
            assertTrue(lossS < 12, "the survivors went on " + lossS + " s after the SIGSTOP");
            assertTrue(frozen.exitValue() != 0, "a node removed from the cluster exits with a failure status");
        }
    }

    /** The SIGKILL test's shape: a seed node with every role, two worker nodes, a job at its step 10. */
    private record Job(ClusterProcesses c, String name, Process train, Process third, int thirdPort) {
        static Job atStepTen(ClusterProcesses c, String name) throws Exception {
            Path certs = c.certs(4);
            c.node("n1", c.seedPort, ALL, certs.resolve("node-1"));
            c.node("n2", ClusterProcesses.freePort(), WORKER, certs.resolve("node-2"));
            int port = ClusterProcesses.freePort();
            Process third = c.node("n3", port, WORKER, certs.resolve("node-3"));
            Process train = c.train(name, 3, certs.resolve("node-4"), SAMPLES, "--epochs", "2");
            ClusterProcesses.await("step 10", 150, () -> c.reached(name, 10) || !train.isAlive());
            assertTrue(train.isAlive(), c.log("train-" + name + ".err"));
            return new Job(c, name, train, third, port);
        }

        /** Seconds from {@code since} to the coordinator's generation without the third node's worker. */
        double awaitLost(long since) throws InterruptedException {
            String lost = "(lost 127.0.0.1:" + thirdPort + "/";
            ClusterProcesses.await("the coordinator to drop the third node's worker", 60,
                    () -> c.log("n1.err").contains(lost));
            return (System.nanoTime() - since) / 1e9;
        }

        /** The job's summary, once it finished with every sample trained once per epoch by the survivors. */
        JsonNode assertExact() throws Exception {
            JsonNode s = c.summary(train, name, 150);
            assertEquals("[" + SAMPLES + "," + SAMPLES + "]", s.get("samples_trained_per_epoch").toString());
            assertEquals(0, s.get("duplicate_samples").asInt());
            assertEquals(0, s.get("workers_restarted").asInt());
            assertEquals(1, s.get("workers_lost").asInt());
            return s;
        }
    }
}
