package t2t.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import t2t.ops.Main;

/** The cluster commands' argument rules: TLS unless {@code --insecure} (saying how to get certificates), a seed or discovery. */
class ClusterCommandArgsTest {
    @TempDir Path tmp;

    @Test
    void nodeWithoutTlsIsRefusedWithTheWayToCertificates() {
        String err = refused("node", "--seed", "127.0.0.1:25520", "--port", "0");
        assertTrue(err.contains("./t2t certs --out DIR") && err.contains("--tls DIR/<node>") && err.contains("--insecure"), err);
    }

    @Test
    void clusterTrainingWithoutTlsIsRefusedBeforeContactingTheCluster() {
        String err = refused("train", "--cluster", "127.0.0.1:1", "--data", "synthetic:48", "--out", tmp.toString());
        assertTrue(err.startsWith("t2t: train --cluster: cluster traffic needs TLS"), err);
    }

    @Test
    void tlsAndInsecureTogetherAreRefused() {
        String err = refused("node", "--seed", "127.0.0.1:25520", "--tls", tmp.toString(), "--insecure");
        assertTrue(err.contains("--tls and --insecure"), err);
    }

    @Test
    void aNodeNeedsASeedOrDiscoveryAndDiscoveryNeedsAHost() {
        assertTrue(refused("node", "--insecure").contains("--seed HOST:PORT"));
        assertTrue(refused("node", "--insecure", "--discovery", "kubernetes").contains("needs --host"));
        assertTrue(refused("node", "--insecure", "--discovery", "dns", "--host", "10.0.0.1").contains("--discovery dns"));
        assertTrue(refused("node", "--insecure", "--discovery", "config", "--host", "127.0.0.1", "--management-port", "0")
                .contains("--management-port 0"));
    }

    @Test
    void insecureMeansPlainTcpAndACertificateFolderMeansTls() throws Exception {
        assertNull(ClusterTls.settings("node", null, true));
        Path certs = tmp.resolve("certs");
        assertEquals(0, Main.commandLine().execute("certs", "--out", certs.toString(), "--nodes", "1"));
        assertEquals("tls-tcp", ClusterTls.settings("node", certs.resolve("node-1"), false)
                .getString("pekko.remote.artery.transport"));
    }

    private static String refused(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(Main.EXIT_USAGE, cl.execute(args), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        return err.toString().strip();
    }
}
