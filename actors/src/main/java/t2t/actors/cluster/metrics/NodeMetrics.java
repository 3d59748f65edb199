package t2t.actors.cluster.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import t2t.actors.telemetry.DroppedMessages;
import t2t.actors.telemetry.ExchangeTimes;
import t2t.actors.telemetry.QueueDepths;

/**
 * One node's training and cluster metrics in Prometheus form, served by {@link MetricsServer}.
 *
 * <p>Names (all prefixed {@code t2t_}; counters get {@code _total} in the exposition):
 * <ul>
 *   <li>{@code t2t_steps_total}: training steps this node completed.
 *   <li>{@code t2t_samples_total}: samples those steps trained.
 *   <li>{@code t2t_images_per_second}: samples / wall seconds of the latest step.
 *   <li>{@code t2t_step_seconds}: histogram of step wall time.
 *   <li>{@code t2t_allreduce_seconds}: histogram of the gradient exchange a worker's step waits for
 *       ({@link ExchangeTimes}: from its last gradient bucket sent to every updated shard installed).
 *   <li>{@code t2t_queue_depth{queue}}: items waiting now in the training path's queues, summed over
 *       this node's workers and shards ({@link QueueDepths}).
 *   <li>{@code t2t_membership_generation}, {@code t2t_cluster_members}, {@code t2t_cluster_workers}:
 *       the membership generation this node last saw and its member and worker counts.
 *   <li>{@code t2t_skipped_samples_total}: samples skipped (undecodable, rejected by validation).
 *   <li>{@code t2t_dropped_messages_total{reason}}: incoming messages dropped by validation.
 *   <li>{@code t2t_node_failures_total{node,reason}}: nodes seen lost, by address and cause.
 *   <li>{@code t2t_shards_hosted}: parameter shards this node runs now.
 * </ul>
 * {@link #global()} also carries the standard JVM metrics ({@code jvm_*}, {@code process_*}), and is
 * the one that hears this JVM's drops and exchange times.
 * Label values should be short stable codes (e.g. {@code oversized}, {@code stale-generation},
 * {@code unreachable}): every distinct value is a new time series.
 */
public final class NodeMetrics {
    // Step times on CPU run from ~10 ms (tiny models) to minutes (T2T-ViT-24 on a laptop).
    private static final double[] STEP_BUCKETS = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
    // An 86 MB gradient over loopback takes ~0.1 s; over 1 GbE about a second.
    private static final double[] ALLREDUCE_BUCKETS = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    // After the bucket arrays: static fields initialise in order, and the constructor reads them.
    private static final NodeMetrics GLOBAL = listeningToThisJvm(new NodeMetrics());

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter steps = Counter.builder().name("t2t_steps")
            .help("Training steps completed on this node").register(registry);
    private final Counter samples = Counter.builder().name("t2t_samples")
            .help("Samples trained by the steps completed on this node").register(registry);
    private final Gauge imagesPerSecond = Gauge.builder().name("t2t_images_per_second")
            .help("Samples per wall second of the latest completed step").register(registry);
    private final Histogram stepSeconds = Histogram.builder().name("t2t_step_seconds")
            .help("Wall time of a training step").classicOnly().classicUpperBounds(STEP_BUCKETS)
            .withoutExemplars().register(registry);
    private final Histogram allreduceSeconds = Histogram.builder().name("t2t_allreduce_seconds")
            .help("Wall time from a worker's last gradient bucket of a step sent to every updated shard installed")
            .classicOnly().classicUpperBounds(ALLREDUCE_BUCKETS).withoutExemplars().register(registry);
    private final Gauge generation = Gauge.builder().name("t2t_membership_generation")
            .help("Membership generation this node last saw").register(registry);
    private final Gauge members = Gauge.builder().name("t2t_cluster_members")
            .help("Cluster members in the latest membership").register(registry);
    private final Gauge workers = Gauge.builder().name("t2t_cluster_workers")
            .help("Workers in the latest membership").register(registry);
    private final Counter skippedSamples = Counter.builder().name("t2t_skipped_samples")
            .help("Samples skipped because they could not be loaded or were rejected").register(registry);
    private final Counter droppedMessages = Counter.builder().name("t2t_dropped_messages")
            .help("Incoming messages dropped by validation, by reason").labelNames("reason").register(registry);
    private final Counter nodeFailures = Counter.builder().name("t2t_node_failures")
            .help("Nodes seen lost, by node address and reason").labelNames("node", "reason").register(registry);
    {
        GaugeWithCallback.builder().name("t2t_shards_hosted")
                .help("Parameter shards (with their optimizer state) this node runs now")
                .callback(cb -> cb.call(t2t.actors.cluster.ShardHost.hostedHere())).register(registry);
        GaugeWithCallback.builder().name("t2t_queue_depth")
                .help("Items waiting now in a training queue on this node, summed over its workers and shards")
                .labelNames("queue")
                .callback(cb -> {
                    for (QueueDepths.Queue q : QueueDepths.Queue.values()) {
                        cb.call(QueueDepths.depth(q), q.label());
                    }
                }).register(registry);
    }

    /** A node with its own registry; production code uses {@link #global()}, tests a fresh one. */
    public NodeMetrics() {}

    /**
     * The process-wide metrics every actor on this node reports to, with the client's standard JVM
     * metrics ({@code jvm_memory_used_bytes}, {@code jvm_gc_collection_seconds}, threads, ...): a
     * long run's heap and GC are the first thing to look at when a node slows down.
     */
    public static NodeMetrics global() {
        return GLOBAL;
    }

    private static NodeMetrics listeningToThisJvm(NodeMetrics metrics) {
        JvmMetrics.builder().register(metrics.registry);
        DroppedMessages.onDrop(metrics::droppedMessage);
        ExchangeTimes.onExchange(metrics::allreduceSeconds);
        return metrics;
    }

    public void stepDone(long stepSamples, double seconds) {
        if (stepSamples < 0 || !(seconds >= 0) || Double.isInfinite(seconds)) {
            throw new IllegalArgumentException("step of " + stepSamples + " samples in " + seconds + " s");
        }
        steps.inc();
        samples.inc(stepSamples);
        stepSeconds.observe(seconds);
        // A zero-length step (clock granularity) would report infinity; keep the previous rate.
        if (seconds > 0) {
            imagesPerSecond.set(stepSamples / seconds);
        }
    }

    public void allreduceSeconds(double seconds) {
        if (!(seconds >= 0) || Double.isInfinite(seconds)) {
            throw new IllegalArgumentException("all-reduce time " + seconds + " s");
        }
        allreduceSeconds.observe(seconds);
    }

    public void membership(long membershipGeneration, int memberCount, int workerCount) {
        generation.set(membershipGeneration);
        members.set(memberCount);
        workers.set(workerCount);
    }

    public void skippedSamples(long count) {
        if (count < 0) {
            throw new IllegalArgumentException("skipped samples " + count);
        }
        skippedSamples.inc(count);
    }

    public void droppedMessage(String reason) {
        droppedMessages.labelValues(reason).inc();
    }

    public void nodeFailure(String node, String reason) {
        nodeFailures.labelValues(node, reason).inc();
    }

    /** Everything in the Prometheus text exposition format (what {@code /metrics} serves). */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    PrometheusRegistry registry() {
        return registry;
    }
}
