package t2t.ops.cli;

import com.typesafe.config.Config;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import t2t.actors.cluster.ClusterNode;
import t2t.actors.cluster.JobLauncher;
import t2t.actors.cluster.MeteredListener;
import t2t.actors.cluster.bootstrap.Bootstrap;
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
    @Option(names = "--seed", paramLabel = "HOST:PORT", description = "the seed node (this node when it listens there);"
            + " or form the cluster with --discovery")
    String seed;

    @Option(names = "--discovery", paramLabel = "METHOD", description = "instead of --seed, Pekko Management cluster"
            + " bootstrap: kubernetes (the kubernetes-api lists the pods labelled app=<service-name>) or config"
            + " (pekko.discovery.config.services)")
    String discovery;

    @Option(names = "--service-name", defaultValue = "t2t", description = "with --discovery: the cluster's name in"
            + " discovery (Kubernetes: the pods' app label; default: t2t)")
    String serviceName;

    @Option(names = "--management-port", defaultValue = "7626", description = "with --discovery: the management HTTP"
            + " port bootstrap probes (default: 7626)")
    int managementPort;

    @Option(names = "--required-contact-points", defaultValue = "1", description = "with --discovery: nodes that must"
            + " be discovered before a new cluster forms (the StatefulSet's replicas)")
    int requiredContactPoints;

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
        if ((seed == null) == (discovery == null)) {
            throw new UserInputException("node: give --seed HOST:PORT (bare hosts) or --discovery kubernetes|config"
                    + " (cluster bootstrap), not both or neither");
        }
        String seedHost = seed == null ? null : ClusterAddress.host(seed, "--seed");
        if (seed != null) {
            ClusterAddress.port(seed, "--seed");
        }
        if (seed == null && host == null) {
            throw new UserInputException("node --discovery needs --host: the address other nodes reach this one at"
                    + " (Kubernetes: the pod IP)");
        }
        if (discovery != null && (managementPort < 1 || managementPort > 65535)) {
            // Bootstrap probes every contact point at this one port, so it cannot be "any free port".
            throw new UserInputException("--management-port " + managementPort + ": must be 1 to 65535 (the same on"
                    + " every node)");
        }
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
        Bootstrap.Settings bootstrap = discovery == null ? null
                : new Bootstrap.Settings(serviceName, discoveryMethod(discovery), me, managementPort, requiredContactPoints);
        // Bootstrap's settings go in front of the node's, like TLS's: they clear the seed list.
        Config front = bootstrap == null ? tlsConfig
                : tlsConfig == null ? Bootstrap.config(bootstrap) : Bootstrap.config(bootstrap).withFallback(tlsConfig);
        String seedAddress = seed != null ? seed : me + ":" + port;
        NodeMetrics metrics = metrics();
        // Set once the system is up; the metered listener reads it only while a job runs.
        org.apache.pekko.cluster.typed.Cluster[] members = new org.apache.pekko.cluster.typed.Cluster[1];
        MetricsServer server = null;
        java.util.function.BiConsumer<String, String> failures = (node, why) -> { };
        java.util.function.UnaryOperator<JobLauncher> metered = l -> l;
        if (metrics != null) {
            metered = l -> MeteredListener.around(l, metrics, () -> members[0] == null ? 0
                    : (int) java.util.stream.StreamSupport.stream(members[0].state().getMembers().spliterator(), false).count());
            failures = metrics::nodeFailure;
            server = metricsPort > 0 ? MetricsServer.start("0.0.0.0", metricsPort, metrics) : null;
        }
        ActorSystem<Void> system = ClusterNode.start(me, port, seedAddress, roles, roles.contains("worker") ? workers : 0,
                front, new ClusterTrainingJobs(System.err, metered), failures);
        members[0] = org.apache.pekko.cluster.typed.Cluster.get(system);
        if (bootstrap != null) {
            Bootstrap.start(system);
        }
        system.getWhenTerminated().toCompletableFuture().get();
        if (server != null) {
            server.close();
        }
        return farewell(system, members[0]);
    }

    /**
     * Says why the node stopped. A node the cluster downed (unreachable too long: a frozen JVM, a cut
     * network; or quarantined by the others when it woke up) can never rejoin under the same actor
     * system, so it exits with a failure status rather than lingering; started again, it joins as a
     * new node. SIGTERM runs the cluster-leave phase of coordinated shutdown first: a graceful leave.
     */
    private static int farewell(ActorSystem<Void> system, org.apache.pekko.cluster.typed.Cluster cluster) {
        org.apache.pekko.actor.Address a = cluster.selfMember().address();
        String node = a.getHost().orElse("?") + ":" + a.getPort().map(String::valueOf).orElse("?");
        CoordinatedShutdown.Reason why = CoordinatedShutdown.get(system).getShutdownReason()
                .orElse(CoordinatedShutdown.unknownReason());
        if (why.equals(CoordinatedShutdown.clusterDowningReason())) {
            System.err.println("t2t: node " + node + " was removed from the cluster: the others downed it (no heartbeat"
                    + " within the failure detector's pause, e.g. a frozen process or a cut network); its workers' jobs"
                    + " went on without them. Exiting; start the node again to rejoin as a new member");
            return t2t.ops.Main.EXIT_INTERNAL;
        }
        if (why.equals(CoordinatedShutdown.jvmExitReason())) {
            System.err.println("t2t: node " + node + " left the cluster (terminated)");
        } else if (why.equals(CoordinatedShutdown.clusterLeavingReason())) {
            System.err.println("t2t: node " + node + " left the cluster");
        }
        return 0;
    }

    private static String discoveryMethod(String name) {
        return switch (name) {
            case "kubernetes", Bootstrap.KUBERNETES_API -> Bootstrap.KUBERNETES_API;
            case Bootstrap.CONFIG -> Bootstrap.CONFIG;
            default -> throw new UserInputException("--discovery " + name + ": use kubernetes or config");
        };
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
