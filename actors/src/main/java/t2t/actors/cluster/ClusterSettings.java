package t2t.actors.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The configuration of one cluster node: Artery TCP on {@code host:port}, the seed, the node's
 * roles, downing, and (when {@code tls} is given) the TLS transport on top.
 *
 * <p>Failure detection: heartbeats every second; a node is unreachable after missing them for
 * {@code acceptable-heartbeat-pause} (3 s); the Split Brain Resolver (keep-majority) downs the
 * unreachable side once membership has been stable for {@code stable-after} (2 s, default 20 s);
 * a downed node is removed right away. Measured on a loaded 2-core machine: a SIGKILLed node is
 * unreachable after about 4 s and the survivors train in a new generation 8 to 10 s after the
 * kill. A long native step cannot trip the detector: heartbeats run on Pekko's own dispatcher,
 * never on the compute one. Shorter pauses would down healthy nodes of a saturated machine.
 */
public final class ClusterSettings {
    /** The actor system's name; every node and the submitting client use the same one. */
    public static final String SYSTEM = "t2t";

    private ClusterSettings() {}

    public static Config node(String host, int port, String seed, List<String> roles, Config tls) {
        String seedAddress = "pekko://" + SYSTEM + "@" + seed;
        String roleList = roles.stream().map(r -> "\"" + r + "\"").collect(Collectors.joining(", "));
        Config c = ConfigFactory.parseString(String.join("\n",
                "pekko.actor.provider = cluster",
                // reference.conf turns this off too (pekko-discovery stops at 1.2.1), but which of several
                // reference.conf files wins depends on the class path order.
                "pekko.fail-mixed-versions = off",
                "pekko.remote.artery.transport = tcp",
                "pekko.remote.artery.canonical.hostname = \"" + host + "\"",
                "pekko.remote.artery.canonical.port = " + port,
                "pekko.cluster.seed-nodes = [\"" + seedAddress + "\"]",
                "pekko.cluster.roles = [" + roleList + "]",
                "pekko.cluster.downing-provider-class = \"org.apache.pekko.cluster.sbr.SplitBrainResolverProvider\"",
                "pekko.cluster.split-brain-resolver.active-strategy = keep-majority",
                "pekko.cluster.split-brain-resolver.stable-after = 2s",
                "pekko.cluster.failure-detector.heartbeat-interval = 1s",
                "pekko.cluster.failure-detector.acceptable-heartbeat-pause = 3s",
                "pekko.cluster.run-coordinated-shutdown-when-down = on",
                // Gradients and parameters use the large-message lane, out of the way of heartbeats and control.
                // Shard hosts (/user/agent/shards-N) take shard states in 1 MiB pieces; aggregators sit one level below.
                "pekko.remote.artery.large-message-destinations = [\"/user/agent/*\", \"/user/agent/*/*\","
                        + " \"/system/singletonManagerjob-manager/job-manager/*\","
                        + " \"/system/singletonManagerjob-manager/job-manager/*/*\"]",
                "pekko.remote.artery.advanced.maximum-large-frame-size = " + ShardLayout.MAX_FRAME_BYTES,
                "pekko.remote.artery.advanced.maximum-frame-size = 256 KiB",
                // Artery's default (5) spins its stream threads for low latency; beside native training
                // steps that need every core, the spinning costs far more than the latency it saves.
                "pekko.remote.artery.advanced.idle-cpu-level = 1"));
        // The TLS settings replace the plain transport.
        Config base = tls == null ? c : tls.withFallback(c);
        return base.withFallback(ConfigFactory.load());
    }
}
