package t2t.actors.cluster.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import t2t.protocol.UserInputException;

class TlsConfigTest {
    @TempDir Path tmp;
    private Path node;

    @BeforeEach
    void makeCertificates() {
        node = TestCertificates.seeded("tls-config").create(tmp.resolve("certs"), ClusterCertificates.numberedNodes(1),
                Duration.ofDays(30)).nodeFolders().get(0);
    }

    @Test
    void configSelectsTlsTcpWithMutualAuthenticationOnTls13() {
        Config c = TlsConfig.forDir(node);
        assertEquals("tls-tcp", c.getString("pekko.remote.artery.transport"));
        Config ssl = c.getConfig("pekko.remote.artery.ssl.config-ssl-engine");
        assertEquals("TLSv1.3", ssl.getString("protocol"));
        assertTrue(ssl.getBoolean("require-mutual-authentication"));
        assertEquals(false, ssl.getBoolean("hostname-verification"));
        assertEquals(true, TlsConfig.forDir(node, true).getBoolean(
                "pekko.remote.artery.ssl.config-ssl-engine.hostname-verification"));
        assertEquals(node.resolve("keystore.p12").toAbsolutePath().toString(), ssl.getString("key-store"));
        assertEquals(node.resolve("truststore.p12").toAbsolutePath().toString(), ssl.getString("trust-store"));
        assertEquals(TlsConfig.readPasswords(node.resolve(TlsConfig.PASSWORDS)).getProperty("key-store-password"),
                ssl.getString("key-store-password"));
        assertTrue(ssl.getStringList("enabled-algorithms").stream().allMatch(s -> s.startsWith("TLS_AES_")
                || s.startsWith("TLS_CHACHA20_")), "TLS 1.3 suites only");
    }

    @Test
    void missingFilesNameTheFileAndTheFix() throws IOException {
        for (String name : List.of(TlsConfig.KEYSTORE, TlsConfig.TRUSTSTORE, TlsConfig.PASSWORDS)) {
            Path copy = copyOf(node, name);
            Files.delete(copy.resolve(name));
            UserInputException e = assertThrows(UserInputException.class, () -> TlsConfig.forDir(copy));
            assertTrue(e.getMessage().contains(copy.resolve(name).toString()), e.getMessage());
            assertTrue(e.getMessage().contains("./t2t certs --out DIR"), e.getMessage());
        }
    }

    @Test
    void aMissingFolderAndTheTopLevelFolderAreExplained() {
        UserInputException missing = assertThrows(UserInputException.class, () -> TlsConfig.forDir(tmp.resolve("nope")));
        assertTrue(missing.getMessage().contains("nope") && missing.getMessage().contains("./t2t certs"), missing.getMessage());
        UserInputException top = assertThrows(UserInputException.class, () -> TlsConfig.forDir(tmp.resolve("certs")));
        assertTrue(top.getMessage().contains("one folder per node"), top.getMessage());
    }

    @Test
    void aTruncatedStoreIsRefusedNamingIt() throws IOException {
        Path copy = copyOf(node, "truncated");
        Path keystore = copy.resolve(TlsConfig.KEYSTORE);
        byte[] bytes = Files.readAllBytes(keystore);
        Files.write(keystore, Arrays.copyOf(bytes, bytes.length / 2));
        UserInputException e = assertThrows(UserInputException.class, () -> TlsConfig.forDir(copy));
        assertTrue(e.getMessage().contains(keystore.toString()) && e.getMessage().contains("./t2t certs --out DIR"),
                e.getMessage());
    }

    @Test
    void aWrongPasswordIsRefusedNamingTheStore() throws IOException {
        Path copy = copyOf(node, "wrong-password");
        Path passwords = copy.resolve(TlsConfig.PASSWORDS);
        String text = Files.readString(passwords).replaceFirst("trust-store-password=.*", "trust-store-password=guess");
        Files.writeString(passwords, text);
        UserInputException e = assertThrows(UserInputException.class, () -> TlsConfig.forDir(copy));
        assertTrue(e.getMessage().contains(copy.resolve(TlsConfig.TRUSTSTORE).toString()), e.getMessage());
    }

    @Test
    void storesSwappedForEachOtherAreRefused() throws IOException {
        Path copy = copyOf(node, "swapped");
        Files.copy(copy.resolve(TlsConfig.TRUSTSTORE), copy.resolve(TlsConfig.KEYSTORE),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(copy.resolve(TlsConfig.PASSWORDS), Files.readString(copy.resolve(TlsConfig.PASSWORDS))
                .replaceFirst("key-store-password=.*", "key-store-password=" + TlsConfig.readPasswords(
                        copy.resolve(TlsConfig.PASSWORDS)).getProperty("trust-store-password")));
        UserInputException e = assertThrows(UserInputException.class, () -> TlsConfig.forDir(copy));
        assertTrue(e.getMessage().contains("holds no private key"), e.getMessage());
    }

    private Path copyOf(Path folder, String name) throws IOException {
        Path copy = Files.createDirectories(tmp.resolve("copies").resolve(name));
        for (String file : List.of(TlsConfig.KEYSTORE, TlsConfig.TRUSTSTORE, TlsConfig.PASSWORDS)) {
            Files.copy(folder.resolve(file), copy.resolve(file));
        }
        return copy;
    }
}
