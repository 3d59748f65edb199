package t2t.actors;

import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import t2t.actors.cluster.ClusterJobs;
import t2t.actors.cluster.ClusterNode;
import t2t.actors.cluster.JobLauncher;
import t2t.actors.cluster.JobSubmitter;
import t2t.actors.cluster.MeteredListener;
import t2t.actors.cluster.TestNodes;
import t2t.actors.cluster.metrics.MetricsServer;
import t2t.actors.cluster.metrics.NodeMetrics;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/metrics.md names exactly the {@code t2t_*} metrics a node serves, and the ones a training
 * step records are set after a job: one cluster node with every role, wired as {@code ./t2t node
 * --metrics-port} wires it (the process-wide metrics, a metered launcher, the HTTP server), trains a
 * small job submitted through the client, and its {@code /metrics} page is read over HTTP.
 */
class MetricsDocsTest {
    private static final Path DOC = Path.of("..", "docs", "metrics.md");
    private static final Pattern DOCUMENTED = Pattern.compile("`(t2t_[a-z_]+)");
    private static final Pattern TYPE = Pattern.compile("^# TYPE (t2t_[a-z_]+) ", Pattern.MULTILINE);
    private static final Pattern SAMPLE = Pattern.compile("^(t2t_[a-z_]+)(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);

    private ActorSystem<Void> node;
    private MetricsServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (node != null) {
            TestNodes.terminate(java.util.List.of(node));
        }
    }

    @Test
    void theDocumentedMetricsAreTheServedOnesAndTrainingSetsThem() throws Exception {
        NodeMetrics metrics = NodeMetrics.global();
        TestJobs.ClusterJob job = new TestJobs.ClusterJob(
                new TestJobs.SoftmaxJob("metrics", 320, 2, 0.5, () -> new TestJobs.Sgd(0.5)), 0);
        int port = TestNodes.freePort();
        String seed = "127.0.0.1:" + port;
        node = ClusterNode.start("127.0.0.1", port, seed, ClusterNode.ROLES, 1, null, metered(job, metrics),
                metrics::nodeFailure);
        server = MetricsServer.start("127.0.0.1", 0, metrics);

        JobSubmitter.submit("127.0.0.1", seed, null, "job", Map.of("epochs", "1"), 1, Duration.ofSeconds(90),
                new PrintStream(OutputStream.nullOutputStream()));
        String page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();

        Set<String> served = names(TYPE, page);
        // A labelled counter appears with its first event; a healthy job has no drop and no lost node.
        NodeMetrics events = new NodeMetrics();
        events.droppedMessage("tensor malformed");
        events.nodeFailure("127.0.0.1:1", "unreachable");
        Set<String> eventCounters = names(TYPE, events.scrape());
        eventCounters.removeAll(names(TYPE, new NodeMetrics().scrape()));
        assertEquals(Set.of("t2t_dropped_messages_total", "t2t_node_failures_total"), eventCounters);
        served.addAll(eventCounters);
        assertEquals(documented(), served, "docs/metrics.md against the names /metrics serves");
        Map<String, Double> s = samples(page);
        assertEquals(20.0, s.get("t2t_steps_total"), "320 samples in steps of 16");
        assertEquals(320.0, s.get("t2t_samples_total"));
        assertTrue(s.get("t2t_images_per_second") > 0);
        assertEquals(20.0, s.get("t2t_step_seconds_count"));
        assertEquals(20.0, s.get("t2t_allreduce_seconds_count"), "one exchange per step of the one worker");
        assertTrue(s.get("t2t_allreduce_seconds_sum") > 0);
        assertEquals(1.0, s.get("t2t_cluster_workers"), "the membership reached the metrics");
        for (String q : new String[] {"batches_loading", "batches_ready", "gradients_held"}) {
            assertEquals(0.0, s.get("t2t_queue_depth{queue=\"" + q + "\"}"), q + " is empty after the job");
        }
    }

    /** The node's jobs, launched through a launcher that feeds {@code metrics}, as the node command does. */
    private static ClusterJobs metered(ClusterJobs jobs, NodeMetrics metrics) {
        return new ClusterJobs() {
            @Override
            public WorkerSide workerSide(Map<String, String> config, int workers) {
                return jobs.workerSide(config, workers);
            }

            @Override
            public String run(Map<String, String> config, JobLauncher launcher) {
                return jobs.run(config, MeteredListener.around(launcher, metrics, () -> 1));
            }
        };
    }

    private static Set<String> documented() throws Exception {
        return names(DOCUMENTED, Files.readString(DOC));
    }

    private static Set<String> names(Pattern p, String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static Map<String, Double> samples(String text) {
        Map<String, Double> out = new java.util.HashMap<>();
        Matcher m = SAMPLE.matcher(text);
        while (m.find()) {
            out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        }
        return out;
    }
}
