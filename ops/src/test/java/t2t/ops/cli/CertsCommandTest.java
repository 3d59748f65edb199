package t2t.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import t2t.actors.cluster.tls.TlsConfig;
import t2t.ops.Main;

class CertsCommandTest {
    @TempDir Path tmp;

    @Test
    void nodesMakesOneLoadableFolderPerNode() throws Exception {
        Path out = tmp.resolve("certs");
        JsonNode result = runJson("certs", "--out", out.toString(), "--nodes", "3", "--json");
        assertEquals(out.resolve("ca").toString(), result.get("ca").asText());
        assertEquals(3, result.get("nodes").size());
        for (JsonNode node : result.get("nodes")) {
            Path folder = Path.of(node.asText());
            assertEquals("tls-tcp", TlsConfig.forDir(folder).getString("pekko.remote.artery.transport"));
        }
        assertTrue(Files.isRegularFile(out.resolve("README.txt")));
    }

    @Test
    void hostsNameTheFoldersAndTheCertificates() throws Exception {
        Path out = tmp.resolve("hosts");
        JsonNode result = runJson("certs", "--out", out.toString(), "--hosts", "10.0.0.1,trainer-b", "--json");
        assertEquals(out.resolve("10.0.0.1").toString(), result.get("nodes").get(0).asText());
        assertEquals(out.resolve("trainer-b").toString(), result.get("nodes").get(1).asText());
        X509Certificate cert;
        try (var in = Files.newInputStream(out.resolve("trainer-b").resolve("node.pem"))) {
            cert = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        assertEquals("CN=trainer-b", cert.getSubjectX500Principal().getName());
    }

    @Test
    void caAddsNodesToAnExistingCluster() throws Exception {
        Path out = tmp.resolve("certs");
        runJson("certs", "--out", out.toString(), "--nodes", "1", "--json");
        JsonNode added = runJson("certs", "--out", tmp.resolve("more").toString(), "--ca", out.resolve("ca").toString(),
                "--hosts", "late", "--json");
        assertEquals(out.resolve("ca").toString(), added.get("ca").asText());
        TlsConfig.forDir(Path.of(added.get("nodes").get(0).asText()));
    }

    @Test
    void badInputExitsTwoWithOneLine() {
        Path out = tmp.resolve("certs");
        assertEquals(Main.EXIT_USAGE, exit("certs", "--out", out.toString(), "--nodes", "0"));
        assertEquals(Main.EXIT_USAGE, exit("certs", "--out", out.toString(), "--nodes", "2", "--hosts", "a"));
        assertEquals(Main.EXIT_USAGE, exit("certs", "--out", out.toString(), "--days", "0"));
        assertFalse(Files.exists(out.resolve("ca")), "nothing made on bad input");
        assertEquals(0, exit("certs", "--out", out.toString()));
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(Main.EXIT_USAGE, cl.execute("certs", "--out", out.toString()));
        assertTrue(err.toString().contains("already holds a cluster CA"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }

    private static int exit(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(new StringWriter()));
        PrintStream old = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
        try {
            return cl.execute(args);
        } finally {
            System.setOut(old);
        }
    }

    private static JsonNode runJson(String... args) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            assertEquals(0, Main.commandLine().execute(args));
        } finally {
            System.setOut(old);
        }
        String[] lines = buf.toString().strip().split("\n");
        return Json.MAPPER.readTree(lines[lines.length - 1]);
    }
}
