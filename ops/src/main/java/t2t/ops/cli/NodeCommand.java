package t2t.ops.cli;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import t2t.actors.cluster.ClusterNode;
import t2t.actors.cluster.JobLauncher;
import t2t.actors.cluster.MeteredListener;
import t2t.actors.cluster.WireStats;
import t2t.actors.cluster.metrics.MetricsServer;
import t2t.actors.cluster.metrics.NodeMetrics;
import t2t.ops.run.ClusterTrainingJobs;
import t2t.protocol.UserInputException;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code t2t node}: one cluster node, until it is stopped or downed. The node at the seed address
 * starts the cluster; the others join through it. Jobs arrive with {@code train --cluster}.
 */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Start (as the seed) or join a training cluster node; submit jobs with train --cluster HOST:PORT.")
public final class NodeCommand implements Callable<Integer> {
    @Option(names = "--seed", required = true, paramLabel = "HOST:PORT", description = "the seed node (this node when it listens there)")
    String seed;

    @Option(names = "--host", description = "address other nodes reach this one at (default: the seed's host when it is"
            + " a loopback address, else this machine's address)")
    String host;

    @Option(names = "--port", defaultValue = "0", description = "port to listen on (0: any free port; the seed node: the seed's port)")
    int port;

    @Option(names = "--roles", split = ",", defaultValue = "worker,loader,teacher,aggregator,coordinator",
            description = "roles of this node (default: all): worker, loader, teacher, aggregator, coordinator")
    List<String> roles;

    @Option(names = "--workers", defaultValue = "1", description = "workers (devices) on this node")
    int workers;

    @Option(names = "--tls", paramLabel = "DIR", description = "this node's folder from ./t2t certs (mutual TLS;"
            + " required unless --insecure)")
    Path tls;

    @Option(names = "--insecure", description = ClusterTls.INSECURE_HELP)
    boolean insecure;

    @Option(names = "--metrics-port", defaultValue = "0", description = "Prometheus endpoint port (0: off)")
    int metricsPort;

    @Override
    public Integer call() throws Exception {
        String seedHost = ClusterAddress.host(seed, "--seed");
        ClusterAddress.port(seed, "--seed");
        for (String r : roles) {
            if (!ClusterNode.ROLES.contains(r)) {
                throw new UserInputException("--roles " + r + ": unknown role; use " + String.join(",", ClusterNode.ROLES));
            }
        }
        if (workers < 0) {
            throw new UserInputException("--workers " + workers + ": must be 0 or more");
        }
        Config tlsConfig = ClusterTls.settings("node", tls, insecure);
        String me = host != null ? host : ClusterAddress.defaultHost(seedHost);
        NodeMetrics metrics = metrics();
        // Set once the system is up; the metered listener reads it only while a job runs.
        org.apache.pekko.cluster.typed.Cluster[] members = new org.apache.pekko.cluster.typed.Cluster[1];
        MetricsServer server = null;
        java.util.function.BiConsumer<String, String> failures = (node, why) -> { };
        java.util.function.UnaryOperator<JobLauncher> metered = l -> l;
        if (metrics != null) {
            metered = l -> MeteredListener.around(l, metrics, () -> members[0] == null ? 0
                    : (int) java.util.stream.StreamSupport.stream(members[0].state().getMembers().spliterator(), false).count());
            WireStats.onDrop(metrics::droppedMessage);
            failures = metrics::nodeFailure;
            server = metricsPort > 0 ? MetricsServer.start("0.0.0.0", metricsPort, metrics) : null;
        }
        ActorSystem<Void> system = ClusterNode.start(me, port, seed, roles, roles.contains("worker") ? workers : 0,
                tlsConfig, new ClusterTrainingJobs(System.err, metered), failures);
        members[0] = org.apache.pekko.cluster.typed.Cluster.get(system);
        system.getWhenTerminated().toCompletableFuture().get();
        if (server != null) {
            server.close();
        }
        return 0;
    }

    /** The node's metrics; a node still trains when they cannot start (logged), it only goes unobserved. */
    private static NodeMetrics metrics() {
        try {
            return NodeMetrics.global();
        } catch (LinkageError e) {
            System.err.println("t2t: node metrics unavailable: " + e);
            return null;
        }
    }
}
