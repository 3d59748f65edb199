package t2t.ops.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Joining aggregator nodes that die in the middle of their shard move, with real JVMs on 127.0.0.1.
 * Each joiner halts its JVM (as a SIGKILL would: no graceful leave) at a named point of the move
 * ({@link FaultyNode}, a test main that watches the node's {@code ShardMoveEvents}):
 * before its shard host starts, when the first piece of a moving shard arrives (the coordinator
 * holds), and after its first shard was placed with more on the way; a fourth stalls at the first
 * piece and stays up, so only the move timeout (30 s here) ends its move. Every move is abandoned: the
 * old copies keep the shards, the coordinator goes on, no checkpoint resume. A healthy aggregator
 * node that joins afterwards still takes its shards, and the weights come out bit for bit as in a
 * run without any join.
 */
@Tag("slow")
class ShardMoveFaultsTest {
    private static final String ALL = "worker,loader,teacher,aggregator,coordinator";
    /** 4 shards: a joiner beside the seed takes 2, so it can die between its first and second placement. */
    private static final String[] JOB = {"--epochs", "3", "--clip-grad", "1.0", "--aggregators", "4"};
    /** 3 epochs of 834 steps: four joiners start and fail, then one joins (near step 1490 of 2502 here). */
    private static final int SAMPLES = 20000;
    private static final String MOVE_TIMEOUT = "t2t.cluster.shard-move-timeout";

    @Test
    void joinersDyingMidMoveAreAbandonedAndALaterJoinerStillTakesShards(
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        try (ClusterProcesses c = new ClusterProcesses(dir)) {
            int metricsPort = ClusterProcesses.freePort();
            c.node("n1", c.seedPort, ALL, List.of("-D" + MOVE_TIMEOUT + "=30s"), null,
                    "--metrics-port", Integer.toString(metricsPort));
            // A standby: with the seed alone, the first client's leaving could tie the split brain resolver's vote.
            c.node("n0", ClusterProcesses.freePort(), "coordinator", null);
            JsonNode still = c.summary(c.train("still", 1, null, SAMPLES, JOB), "still", 600);
            assertEquals(0, still.get("shards_moved").asInt());

            Process train = c.train("faulty", 1, null, SAMPLES, JOB);
            ClusterProcesses.await("step 5", 150, () -> c.reached("faulty", 5) || !train.isAlive());
            List<String> points = List.of("start-shards", "shard-piece", "shard-placed", "stall-shard-piece");
            int[] ports = new int[points.size()];
            for (int i = 0; i < points.size(); i++) {
                String point = points.get(i);
                ports[i] = ClusterProcesses.freePort();
                Process doomed = c.faultyNode("j-" + point, ports[i], "aggregator", point);
                int abandoned = i + 1;
                long[] halted = {0};
                ClusterProcesses.await("the move to the node " + point + " abandoned", 150, () -> {
                    if (halted[0] == 0 && !doomed.isAlive()) {
                        halted[0] = System.nanoTime();
                    }
                    return count(c.log("n1.err"), "abandoned after") >= abandoned || !train.isAlive();
                });
                long now = System.nanoTime();
                assertTrue(train.isAlive(), "the job still runs after the joiner's " + point);
                String line = lineWith(c.log("n1.err"), "shard move to aggregator node 127.0.0.1:" + ports[i] + " abandoned");
                assertNotNull(line, "the coordinator node names the node whose move was abandoned");
                if (point.startsWith("stall-")) {
                    assertTrue(doomed.isAlive(), "a stalled joiner stays up");
                    assertTrue(line.contains("did not finish within 30 s (" + MOVE_TIMEOUT + ")"), line);
                    assertTrue(c.log("j-" + point + ".err").contains("fault injected at " + point + ": stalling"));
                    System.out.printf("joiner stalled at %s: %s%n", point, line.substring(line.indexOf("abandoned")));
                } else {
                    assertTrue(doomed.waitFor(10, TimeUnit.SECONDS));
                    assertEquals(137, doomed.exitValue(), "the joiner halted at " + point);
                    assertTrue(c.log("j-" + point + ".err").contains("fault injected at " + point + ": halting"),
                            c.log("j-" + point + ".err"));
                    assertTrue(line.contains("the node was lost"), line);
                    System.out.printf("joiner halted at %s: move abandoned %.1f s after the halt (%s)%n", point,
                            (now - halted[0]) / 1e9, line.substring(line.indexOf("abandoned")));
                }
            }
            int joinerPort = ClusterProcesses.freePort();
            c.node("n2", joinerPort, "aggregator", null);
            JsonNode moved = c.summary(train, "faulty", 600);
            String holds = "";
            for (String l : c.log("n1.err").split("\n")) {
                if (l.contains("coordinator holds before step")) {
                    holds = l.replaceAll(".*(coordinator holds before step [0-9]+).*", "$1");
                }
            }
            System.out.println("the later joiner: " + String.valueOf(lineWith(c.log("n1.err"), "shards moved in"))
                    .replaceAll(".*(shards moved in [0-9.]+ s).*", "$1") + "; the last " + holds + " of "
                    + still.get("steps").asInt());

            String log = c.log("n1.err");
            assertFalse(log.contains("resuming from"), "no checkpoint resume: the old copies kept the shards");
            assertEquals(4, moved.get("shard_moves_abandoned").asInt(), moved.toString());
            assertEquals(2, moved.get("shards_moved").asInt(), "the later joiner took its 2 of the 4 shards: " + moved);
            assertEquals("[1, 3]", moved.get("shard_placement").get("127.0.0.1:" + joinerPort).toString()
                    .replace(",", ", "), moved.toString());
            assertEquals("[" + SAMPLES + "," + SAMPLES + "," + SAMPLES + "]",
                    moved.get("samples_trained_per_epoch").toString());
            assertEquals(0, moved.get("duplicate_samples").asInt());
            assertEquals(still.get("steps").asInt(), moved.get("steps").asInt());
            assertEquals(still.get("weights_sha256").asText(), moved.get("weights_sha256").asText(),
                    "abandoned moves lose nothing, and the final move carried the state exactly");
            String metrics = ClusterProcesses.scrape(metricsPort);
            for (int port : ports) {
                assertTrue(metrics.contains("t2t_node_failures_total{node=\"127.0.0.1:" + port
                        + "\",reason=\"shard move abandoned\"} 1"), "the metrics name the node: " + metrics);
            }
        }
    }

    /**
     * Not a join: the aggregator node is there when the job starts and halts when asked to host its
     * shards. The placement, which waits for every aggregator node's shard host, starts again
     * without it (the shards then run on the coordinator's node) instead of waiting forever.
     */
    @Test
    void anAggregatorNodeLostBeforeItsShardsArePlacedIsLeftOut(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir)
            throws Exception {
        try (ClusterProcesses c = new ClusterProcesses(dir)) {
            c.node("n1", c.seedPort, "worker,loader,teacher,coordinator", null);
            ClusterProcesses.await("the seed node", 60, () -> c.log("n1.err").contains("job manager up"));
            c.node("n0", ClusterProcesses.freePort(), "coordinator", null);
            int doomedPort = ClusterProcesses.freePort();
            Process doomed = c.faultyNode("n2", doomedPort, "aggregator", "start-shards");
            ClusterProcesses.await("the aggregator node up", 60, () -> c.log("n1.err").contains(":" + doomedPort + " up"));
            long started = System.nanoTime();
            Process train = c.train("p", 1, null, 480, "--epochs", "2");
            JsonNode s = c.summary(train, "p", 300);
            System.out.printf("aggregator node halted at placement: the job finished %.1f s after it was submitted%n",
                    (System.nanoTime() - started) / 1e9);
            assertTrue(doomed.waitFor(10, TimeUnit.SECONDS));
            assertEquals(137, doomed.exitValue(), "the aggregator node halted when asked to host its shards");
            assertTrue(c.log("n1.err").contains("aggregator node 127.0.0.1:" + doomedPort
                    + " lost before its shards were placed"), "the log names the node");
            assertEquals("[480,480]", s.get("samples_trained_per_epoch").toString());
            assertEquals(0, s.get("duplicate_samples").asInt());
            assertEquals(40, s.get("steps").asInt());
            assertEquals(List.of("127.0.0.1:" + c.seedPort), iterableToList(s.get("shard_placement").fieldNames()),
                    "the shards run on the coordinator's node: " + s);
        }
    }

    private static List<String> iterableToList(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    private static int count(String text, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static String lineWith(String text, String what) {
        for (String line : text.split("\n")) {
            if (line.contains(what)) {
                return line;
            }
        }
        return null;
    }
}
