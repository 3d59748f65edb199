package t2t.actors.cluster.tls;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import t2t.protocol.UserInputException;

/**
 * Artery over TLS with mutual authentication, from one node folder made by {@code ./t2t certs}.
 *
 * <p>Trust model: every cluster gets its own CA, and the truststore holds only that CA. A peer is
 * admitted when it proves possession of a key the cluster CA signed, in both directions (mutual
 * authentication), so a node with stores from any other CA fails the TLS handshake and never
 * joins. Hostname verification is off by default because that proof is already the identity and
 * because pod IPs on Kubernetes are not known when the certificates are made; the node
 * certificates still carry the hosts given to {@code certs} (and 127.0.0.1/localhost for
 * {@code --nodes}) as subject alternative names, so {@link #forDir(Path, boolean)} can turn it on
 * where nodes address each other by those names.
 */
public final class TlsConfig {
    public static final String KEYSTORE = "keystore.p12";
    public static final String TRUSTSTORE = "truststore.p12";
    public static final String PASSWORDS = "passwords.properties";
    static final String KEY_STORE_PASSWORD = "key-store-password";
    static final String TRUST_STORE_PASSWORD = "trust-store-password";

    /** TLS 1.3 suites only; the JDK negotiates nothing older because the protocol is pinned. */
    static final List<String> CIPHER_SUITES =
            List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256");

    private TlsConfig() {}

    /** {@link #forDir(Path, boolean)} with hostname verification off (see the class comment). */
    public static Config forDir(Path dir) {
        return forDir(dir, false);
    }

    /**
     * The {@code pekko.remote.artery} settings for {@code tls-tcp} with the stores in {@code dir}
     * ({@value #KEYSTORE}, {@value #TRUSTSTORE}, {@value #PASSWORDS}). The stores are opened here,
     * so a missing file, a wrong password or a truncated store fails now, naming the file, instead
     * of as a handshake error on the first connection.
     */
    public static Config forDir(Path dir, boolean verifyHostnames) {
        Path folder = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(folder)) {
            throw new UserInputException("TLS folder " + folder + " does not exist; make one with"
                    + " ./t2t certs --out DIR and pass --tls DIR/<node>");
        }
        Path keystore = folder.resolve(KEYSTORE);
        Path truststore = folder.resolve(TRUSTSTORE);
        Path passwordsFile = folder.resolve(PASSWORDS);
        if (!Files.exists(keystore) && hasNodeFolders(folder)) {
            throw new UserInputException(folder + " holds one folder per node; pass --tls " + folder
                    + "/<node> (each node uses its own folder from ./t2t certs --out DIR)");
        }
        for (Path required : List.of(keystore, truststore, passwordsFile)) {
            if (!Files.isRegularFile(required)) {
                throw new UserInputException("TLS file " + required + " is missing; make the node"
                        + " folders with ./t2t certs --out DIR and pass --tls DIR/<node>");
            }
        }
        Properties passwords = readPasswords(passwordsFile);
        String keyPassword = required(passwords, KEY_STORE_PASSWORD, passwordsFile);
        String trustPassword = required(passwords, TRUST_STORE_PASSWORD, passwordsFile);
        KeyStore keys = open(keystore, keyPassword);
        KeyStore trust = open(truststore, trustPassword);
        checkHasPrivateKey(keys, keystore);
        checkHasTrustedCertificate(trust, truststore);

        Map<String, Object> ssl = new HashMap<>();
        ssl.put("key-store", keystore.toString());
        ssl.put("key-store-password", keyPassword);
        // PKCS12 protects the key with the store password.
        ssl.put("key-password", keyPassword);
        ssl.put("trust-store", truststore.toString());
        ssl.put("trust-store-password", trustPassword);
        ssl.put("protocol", "TLSv1.3");
        ssl.put("enabled-algorithms", CIPHER_SUITES);
        ssl.put("require-mutual-authentication", true);
        ssl.put("hostname-verification", verifyHostnames);
        ssl.put("random-number-generator", "");
        return ConfigFactory.empty()
                .withValue("pekko.remote.artery.transport", ConfigValueFactory.fromAnyRef("tls-tcp"))
                .withValue("pekko.remote.artery.ssl.ssl-engine-provider",
                        ConfigValueFactory.fromAnyRef("org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider"))
                .withValue("pekko.remote.artery.ssl.config-ssl-engine", ConfigValueFactory.fromMap(ssl));
    }

    private static boolean hasNodeFolders(Path folder) {
        try (var entries = Files.list(folder)) {
            return entries.anyMatch(p -> Files.isRegularFile(p.resolve(KEYSTORE)));
        } catch (IOException e) {
            return false;
        }
    }

    static Properties readPasswords(Path file) {
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            props.load(in);
        } catch (IOException e) {
            throw new UserInputException("cannot read TLS password file " + file + " (" + e.getMessage()
                    + "); make the node folders again with ./t2t certs --out DIR", e);
        }
        return props;
    }

    private static String required(Properties props, String key, Path file) {
        String value = props.getProperty(key);
        if (value == null || value.isEmpty()) {
            throw new UserInputException("TLS password file " + file + " has no " + key
                    + "; make the node folders again with ./t2t certs --out DIR");
        }
        return value;
    }

    static KeyStore open(Path file, String password) {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password.toCharArray());
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new UserInputException("TLS store " + file + " cannot be opened (" + e.getMessage()
                    + "): it is damaged or does not match " + PASSWORDS
                    + "; make the node folders again with ./t2t certs --out DIR", e);
        }
    }

    private static void checkHasPrivateKey(KeyStore store, Path file) {
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    return;
                }
            }
        } catch (GeneralSecurityException e) {
            throw new UserInputException("TLS keystore " + file + " cannot be read (" + e.getMessage()
                    + "); make the node folders again with ./t2t certs --out DIR", e);
        }
        throw new UserInputException("TLS keystore " + file + " holds no private key; make the node"
                + " folders with ./t2t certs --out DIR");
    }

    private static void checkHasTrustedCertificate(KeyStore store, Path file) {
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isCertificateEntry(alias)) {
                    return;
                }
            }
        } catch (GeneralSecurityException e) {
            throw new UserInputException("TLS truststore " + file + " cannot be read (" + e.getMessage()
                    + "); make the node folders again with ./t2t certs --out DIR", e);
        }
        throw new UserInputException("TLS truststore " + file + " holds no CA certificate; make the"
                + " node folders with ./t2t certs --out DIR");
    }
}
