package t2t.ops.cli;

import com.typesafe.config.Config;
import t2t.actors.cluster.tls.TlsConfig;
import t2t.protocol.UserInputException;

import java.nio.file.Path;

/**
 * TLS is the default of every cluster command: a node or client without {@code --tls DIR} is
 * refused unless {@code --insecure} says plain TCP on purpose. Plain TCP lets anyone who reaches
 * the port join the cluster, read the parameters and send it gradients, so it is only for a
 * trusted test network (several nodes on one machine, a closed lab switch).
 */
final class ClusterTls {
    static final String INSECURE_HELP = "plain TCP without TLS: anyone who reaches the port can join."
            + " For a trusted test network only";

    private ClusterTls() {}

    /** The TLS settings for {@code tls}, or null (plain TCP) when {@code insecure}. */
    static Config settings(String command, Path tls, boolean insecure) {
        if (tls != null && insecure) {
            throw new UserInputException(command + ": --tls and --insecure contradict each other: give one");
        }
        if (tls == null && !insecure) {
            throw new UserInputException(command + ": cluster traffic needs TLS: make certificates with"
                    + " ./t2t certs --out DIR, then pass --tls DIR/<node> (or --insecure on a trusted test network only)");
        }
        if (insecure) {
            System.err.println("t2t: " + command + " --insecure: the cluster's traffic is neither encrypted nor"
                    + " authenticated; anyone who reaches the port can join");
            return null;
        }
        return TlsConfig.forDir(tls);
    }
}
