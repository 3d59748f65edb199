package t2t.actors.cluster.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import t2t.protocol.UserInputException;

class ClusterCertificatesTest {
    private static final int SAN_DNS = 2;
    private static final int SAN_IP = 7;

    @TempDir Path tmp;

    @Test
    void everyNodeChainsToTheClusterCaWithServerAndClientUse() throws Exception {
        Path out = tmp.resolve("certs");
        ClusterCertificates.Written written = TestCertificates.seeded("chain").create(
                out, ClusterCertificates.numberedNodes(2), Duration.ofDays(10));
        assertEquals(List.of(out.resolve("node-1"), out.resolve("node-2")), written.nodeFolders());
        X509Certificate ca = caCertificate(written.caFolder());
        assertEquals(0, ca.getBasicConstraints(), "a CA that may sign only end-entity certificates");
        for (Path node : written.nodeFolders()) {
            Certificate[] chain = nodeChain(node);
            X509Certificate leaf = (X509Certificate) chain[0];
            leaf.verify(ca.getPublicKey());
            leaf.checkValidity(java.util.Date.from(TestCertificates.NOW.plus(Duration.ofDays(9))));
            assertEquals(-1, leaf.getBasicConstraints(), "node certificates are not CAs");
            assertTrue(leaf.getExtendedKeyUsage().containsAll(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2")),
                    "server and client auth for both ends of Artery connections");
            assertEquals(Set.of(List.of(SAN_IP, "127.0.0.1"), List.of(SAN_DNS, "localhost")), altNames(leaf));
            assertEquals(ca, chain[1]);
            KeyStore trust = TlsConfig.open(node.resolve(TlsConfig.TRUSTSTORE),
                    TlsConfig.readPasswords(node.resolve(TlsConfig.PASSWORDS)).getProperty("trust-store-password"));
            assertEquals(List.of("cluster-ca"), java.util.Collections.list(trust.aliases()));
            assertEquals(ca, trust.getCertificate("cluster-ca"));
        }
        assertTrue(((X509Certificate) nodeChain(written.nodeFolders().get(0))[0]).getSerialNumber()
                .compareTo(((X509Certificate) nodeChain(written.nodeFolders().get(1))[0]).getSerialNumber()) != 0);
    }

    @Test
    void secretsAreOwnerOnlyAndEveryStoreHasItsOwnPassword() throws IOException {
        Path out = tmp.resolve("certs");
        ClusterCertificates.Written written = TestCertificates.seeded("perms").create(
                out, ClusterCertificates.numberedNodes(2), Duration.ofDays(10));
        List<Path> secrets = List.of(written.caFolder().resolve(ClusterCertificates.CA_STORE),
                written.caFolder().resolve(TlsConfig.PASSWORDS),
                out.resolve("node-1").resolve(TlsConfig.KEYSTORE), out.resolve("node-1").resolve(TlsConfig.PASSWORDS),
                out.resolve("node-2").resolve(TlsConfig.KEYSTORE));
        for (Path secret : secrets) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)), secret.toString());
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        Set<String> passwords = new java.util.HashSet<>();
        for (Path node : written.nodeFolders()) {
            var props = TlsConfig.readPasswords(node.resolve(TlsConfig.PASSWORDS));
            passwords.add(props.getProperty("key-store-password"));
            passwords.add(props.getProperty("trust-store-password"));
        }
        passwords.add(TlsConfig.readPasswords(written.caFolder().resolve(TlsConfig.PASSWORDS)).getProperty("ca-store-password"));
        assertEquals(5, passwords.size(), "no password is shared between stores");
        assertTrue(passwords.stream().allMatch(p -> p.length() >= 32), "192 random bits each");
        String readme = Files.readString(out.resolve("README.txt"));
        for (String file : List.of("ca/ca.p12", "ca/ca.pem", "keystore.p12", "truststore.p12", "passwords.properties",
                "node.pem", "--tls DIR/node-1")) {
            assertTrue(readme.contains(file), "README.txt explains " + file);
        }
    }

    @Test
    void hostsGetOneFolderEachNamingTheirHost() throws Exception {
        Path out = tmp.resolve("hosts");
        ClusterCertificates.Written written = TestCertificates.seeded("hosts").create(out,
                ClusterCertificates.forHosts(List.of("10.0.0.7", "gpu-1.example.org", "fd00::7")), Duration.ofDays(10));
        assertEquals(3, written.nodeFolders().size());
        assertEquals(Set.of(List.of(SAN_IP, "10.0.0.7")), altNames((X509Certificate) nodeChain(out.resolve("10.0.0.7"))[0]));
        assertEquals(Set.of(List.of(SAN_DNS, "gpu-1.example.org")),
                altNames((X509Certificate) nodeChain(out.resolve("gpu-1.example.org"))[0]));
        assertEquals(SAN_IP, altNames((X509Certificate) nodeChain(out.resolve("fd00::7"))[0]).iterator().next().get(0));
    }

    @Test
    void addedNodesAreSignedByTheExistingCa() throws Exception {
        ClusterCertificates.Written first = TestCertificates.seeded("first").create(
                tmp.resolve("certs"), ClusterCertificates.numberedNodes(1), Duration.ofDays(10));
        List<Path> added = TestCertificates.seeded("added").addNodes(first.caFolder(), tmp.resolve("more"),
                ClusterCertificates.forHosts(List.of("late-node")), Duration.ofDays(10));
        ((X509Certificate) nodeChain(added.get(0))[0]).verify(caCertificate(first.caFolder()).getPublicKey());
        TlsConfig.forDir(added.get(0));
    }

    @Test
    void existingMaterialIsNeverOverwritten() {
        Path out = tmp.resolve("certs");
        ClusterCertificates.Written first = TestCertificates.seeded("once").create(
                out, ClusterCertificates.numberedNodes(1), Duration.ofDays(10));
        UserInputException again = assertThrows(UserInputException.class, () -> TestCertificates.seeded("twice")
                .create(out, ClusterCertificates.numberedNodes(1), Duration.ofDays(10)));
        assertTrue(again.getMessage().contains("already holds a cluster CA"), again.getMessage());
        UserInputException sameNode = assertThrows(UserInputException.class, () -> TestCertificates.seeded("twice")
                .addNodes(first.caFolder(), out, ClusterCertificates.numberedNodes(1), Duration.ofDays(10)));
        assertTrue(sameNode.getMessage().contains("node-1 already exists"), sameNode.getMessage());
    }

    @Test
    void aRefusedRunLeavesNoHalfMadeCa() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("partial").resolve("node-2"));
        assertThrows(UserInputException.class, () -> TestCertificates.seeded("partial")
                .create(out.getParent(), ClusterCertificates.numberedNodes(2), Duration.ofDays(10)));
        assertTrue(Files.notExists(out.getParent().resolve("ca")) && Files.notExists(out.getParent().resolve("node-1")));
    }

    @Test
    void badNodeListsAreUserErrors() {
        assertThrows(UserInputException.class, () -> ClusterCertificates.numberedNodes(0));
        assertThrows(UserInputException.class, () -> ClusterCertificates.forHosts(List.of("a", "a")));
        assertThrows(UserInputException.class, () -> ClusterCertificates.forHosts(List.of("a", " ")));
        assertThrows(UserInputException.class, () -> ClusterCertificates.forHosts(List.of("../etc")));
        assertThrows(UserInputException.class, () -> ClusterCertificates.forHosts(List.of("ca")));
    }

    @Test
    void theSameSeedMakesTheSameKeys() throws Exception {
        ClusterCertificates.Written a = TestCertificates.seeded("same").create(
                tmp.resolve("a"), ClusterCertificates.numberedNodes(1), Duration.ofDays(10));
        ClusterCertificates.Written b = TestCertificates.seeded("same").create(
                tmp.resolve("b"), ClusterCertificates.numberedNodes(1), Duration.ofDays(10));
        assertArrayEquals(caCertificate(a.caFolder()).getPublicKey().getEncoded(),
                caCertificate(b.caFolder()).getPublicKey().getEncoded());
    }

    private static X509Certificate caCertificate(Path caFolder) throws Exception {
        String password = TlsConfig.readPasswords(caFolder.resolve(TlsConfig.PASSWORDS)).getProperty("ca-store-password");
        X509Certificate fromStore = (X509Certificate) TlsConfig.open(caFolder.resolve(ClusterCertificates.CA_STORE), password)
                .getCertificate("cluster-ca");
        X509Certificate fromPem;
        try (var in = Files.newInputStream(caFolder.resolve(ClusterCertificates.CA_CERT))) {
            fromPem = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        assertEquals(fromStore, fromPem, "ca.pem is the certificate in ca.p12");
        return fromStore;
    }

    private static Certificate[] nodeChain(Path node) throws Exception {
        String password = TlsConfig.readPasswords(node.resolve(TlsConfig.PASSWORDS)).getProperty("key-store-password");
        return TlsConfig.open(node.resolve(TlsConfig.KEYSTORE), password).getCertificateChain("node");
    }

    private static Set<List<?>> altNames(X509Certificate cert) throws Exception {
        Collection<List<?>> names = cert.getSubjectAlternativeNames();
        return names.stream().map(n -> List.of(n.get(0), n.get(1))).collect(Collectors.toSet());
    }
}
