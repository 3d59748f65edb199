package t2t.ops.cli;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import t2t.actors.cluster.tls.ClusterCertificates;
import t2t.protocol.UserInputException;

/** {@code t2t certs}: a cluster CA and one TLS folder per node (see the README.txt it writes). */
@Command(name = "certs", mixinStandardHelpOptions = true,
        description = "Make a cluster CA and node key/trust stores for TLS 1.3 with mutual authentication. "
                + "Each node gets its own folder (pass it to ./t2t node --tls); nodes without them are refused.")
public final class CertsCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, description = "Folder to create (must not hold a CA yet).")
    Path out;

    @ArgGroup(exclusive = true)
    Which which;

    static final class Which {
        @Option(names = "--nodes", description = "Number of nodes node-1..node-N, valid for 127.0.0.1/localhost"
                + " (default 2; 1 for a Kubernetes StatefulSet whose pods share one identity).")
        Integer nodes;

        @Option(names = "--hosts", split = ",", description = "One node per host name or IP, comma-separated;"
                + " each certificate names its host.")
        List<String> hosts;
    }

    @Option(names = "--ca", description = "Sign the new nodes with this existing CA folder (DIR/ca) instead of"
            + " making a new CA; the node folders go to --out.")
    Path ca;

    @Option(names = "--days", defaultValue = "825", description = "Node certificate validity in days (default ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--json", description = "Print one JSON object with the folders written as the last stdout line.")
    boolean json;

    @Override
    public Integer call() {
        if (days < 1) {
            throw new UserInputException("--days must be at least 1, got " + days);
        }
        List<ClusterCertificates.Node> nodes = which != null && which.hosts != null
                ? ClusterCertificates.forHosts(which.hosts)
                : ClusterCertificates.numberedNodes(which != null && which.nodes != null ? which.nodes : 2);
        ClusterCertificates certs = new ClusterCertificates(new SecureRandom(), Instant.now());
        Duration validity = Duration.ofDays(days);
        Path caFolder;
        List<Path> nodeFolders;
        if (ca != null) {
            caFolder = ca;
            nodeFolders = certs.addNodes(ca, out, nodes, validity);
        } else {
            ClusterCertificates.Written written = certs.create(out, nodes, validity);
            caFolder = written.caFolder();
            nodeFolders = written.nodeFolders();
        }
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("ca", caFolder.toString());
            result.put("nodes", nodeFolders.stream().map(Path::toString).toList());
            result.put("readme", out.resolve("README.txt").toString());
            Json.print(result);
        } else {
            System.out.println("cluster CA: " + caFolder + " (keep it off the nodes)");
            for (Path folder : nodeFolders) {
                System.out.println("node: " + folder + "  -> ./t2t node --tls " + folder + " ...");
            }
            System.out.println("what each file is: " + out.resolve("README.txt"));
        }
        return 0;
    }
}
