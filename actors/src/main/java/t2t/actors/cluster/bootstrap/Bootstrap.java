package t2t.actors.cluster.bootstrap;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.net.BindException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import t2t.protocol.UserInputException;

/**
 * Forms the cluster without seed nodes: Pekko Management serves HTTP on every node, discovery
 * lists the contact points (on Kubernetes, the pods matching {@code app=<service>} through the
 * kubernetes-api), and Cluster Bootstrap joins an existing cluster or, if there is none, lets the
 * lowest-addressed contact point form it once {@code requiredContactPoints} have agreed for the
 * stable margin. That rule is what keeps two pods starting at once from forming two clusters.
 */
public final class Bootstrap {
    /** Kubernetes discovery; the StatefulSet's pod template carries {@code app=<serviceName>}. */
    public static final String KUBERNETES_API = "kubernetes-api";
    /** Discovery from {@code pekko.discovery.config.services} (tests, fixed hosts). */
    public static final String CONFIG = "config";
    /** The container port name {@code ops/k8s/statefulset.yaml} gives the management port. */
    public static final String MANAGEMENT_PORT_NAME = "management";

    /**
     * How this node finds the others.
     *
     * @param serviceName the cluster's name in discovery (Kubernetes: the {@code app} label)
     * @param discoveryMethod {@link #KUBERNETES_API} or {@link #CONFIG}
     * @param managementHost the address other nodes reach this node's management endpoint on (pod IP)
     * @param managementPort that endpoint's port (Kubernetes: the container port named
     *     {@value #MANAGEMENT_PORT_NAME}, 7626 by convention)
     * @param requiredContactPoints how many nodes must be discovered before a new cluster forms
     */
    public record Settings(String serviceName, String discoveryMethod, String managementHost, int managementPort,
            int requiredContactPoints) {
        public Settings {
            if (serviceName == null || serviceName.isBlank()) {
                throw new UserInputException("cluster bootstrap needs a service name (the pods' app label)");
            }
            if (!discoveryMethod.equals(KUBERNETES_API) && !discoveryMethod.equals(CONFIG)) {
                throw new UserInputException("discovery method '" + discoveryMethod + "' is not one of "
                        + KUBERNETES_API + ", " + CONFIG);
            }
            if (managementPort < 0 || managementPort > 65535) {
                throw new UserInputException("management port " + managementPort + " is not in 0..65535");
            }
            if (requiredContactPoints < 1) {
                throw new UserInputException("required contact points must be at least 1, got " + requiredContactPoints);
            }
        }

        /** Kubernetes-api discovery of the pods labelled {@code app=<serviceName>}. */
        public static Settings kubernetes(String serviceName, String podIp, int managementPort, int requiredContactPoints) {
            return new Settings(serviceName, KUBERNETES_API, podIp, managementPort, requiredContactPoints);
        }
    }

    private Bootstrap() {}

    /**
     * Settings to put in front of the node's own config ({@code config(s).withFallback(nodeConfig)}).
     * Seed nodes are cleared: a node either bootstraps or joins seeds, never both.
     */
    public static Config config(Settings settings) {
        Map<String, Object> discovery = new HashMap<>();
        discovery.put("service-name", settings.serviceName());
        discovery.put("discovery-method", settings.discoveryMethod());
        discovery.put("required-contact-point-nr", settings.requiredContactPoints());
        Config config = ConfigFactory.empty()
                .withValue("pekko.management.http.hostname", ConfigValueFactory.fromAnyRef(settings.managementHost()))
                .withValue("pekko.management.http.port", ConfigValueFactory.fromAnyRef(settings.managementPort()))
                // Management is plain HTTP on the pod network, outside Artery's mutual TLS: read-only
                // routes, so nobody who reaches the port can down or remove a node through it.
                .withValue("pekko.management.http.route-providers-read-only", ConfigValueFactory.fromAnyRef(true))
                .withValue("pekko.management.cluster.bootstrap.contact-point-discovery",
                        ConfigValueFactory.fromMap(discovery))
                .withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(List.of()));
        if (settings.discoveryMethod().equals(KUBERNETES_API)) {
            // Contact points are probed on the pod port of this name, so pods need no fixed port list.
            config = config
                    .withValue("pekko.management.cluster.bootstrap.contact-point-discovery.port-name",
                            ConfigValueFactory.fromAnyRef(MANAGEMENT_PORT_NAME))
                    .withValue("pekko.discovery.kubernetes-api.pod-label-selector",
                            ConfigValueFactory.fromAnyRef("app=%s"));
        }
        return config;
    }

    /**
     * Starts the management HTTP endpoint, then bootstrap; returns once both are started. A
     * management port another process holds is the user's to fix, and said so.
     */
    public static void start(ActorSystem<?> system) {
        org.apache.pekko.actor.ActorSystem classic = Adapter.toClassic(system);
        try {
            PekkoManagement.get(classic).start().toCompletableFuture().join();
        } catch (CompletionException e) {
            if (isBindFailure(e)) {
                Config http = system.settings().config().getConfig("pekko.management.http");
                throw new UserInputException("cannot serve cluster management on " + http.getString("hostname") + ":"
                        + http.getString("port") + " (" + e.getCause().getMessage()
                        + "); another process holds the port: pick another management port", e);
            }
            throw e;
        }
        ClusterBootstrap.get(classic).start();
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // Pekko reports a failed bind as a stream exception whose message, not type, says so.
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Bind failed")) {
                return true;
            }
        }
        return false;
    }
}
