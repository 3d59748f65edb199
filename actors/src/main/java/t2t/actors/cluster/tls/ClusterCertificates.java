package t2t.actors.cluster.tls;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import t2t.protocol.UserInputException;

/**
 * Makes a cluster CA and one folder per node with the stores {@link TlsConfig#forDir} reads.
 *
 * <p>Layout under the output folder: {@code ca/} (the CA key and certificate; keep it off the
 * nodes, it is needed only to add nodes later), {@code <node>/} per node ({@value
 * TlsConfig#KEYSTORE}, {@value TlsConfig#TRUSTSTORE}, {@value TlsConfig#PASSWORDS}, {@code
 * node.pem}) and {@code README.txt}. Keys are EC P-256 (fast to make, supported by TLS 1.3 in
 * every JDK 17). Passwords are random, one per store, and live only in owner-only (0600) files.
 * BouncyCastle builds the certificates because the JDK has no public API for it; everything else
 * (key generation, signing, PKCS12) is the JDK's own.
 */
public final class ClusterCertificates {
    public static final String CA_FOLDER = "ca";
    public static final String CA_STORE = "ca.p12";
    public static final String CA_CERT = "ca.pem";
    static final String CA_STORE_PASSWORD = "ca-store-password";
    private static final String CA_ALIAS = "cluster-ca";
    private static final String NODE_ALIAS = "node";
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]*");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** A node folder to make: its name and the host names or IPs its certificate is valid for. */
    public record Node(String name, List<String> hosts) {
        public Node {
            if (!SAFE_NAME.matcher(name).matches() || name.equals(CA_FOLDER)) {
                throw new UserInputException("node name '" + name + "' cannot be a folder name;"
                        + " use letters, digits, '.', '-' (and not 'ca')");
            }
            hosts = List.copyOf(hosts);
        }
    }

    /** What was written: the CA folder and one folder per node, in the order asked. */
    public record Written(Path caFolder, List<Path> nodeFolders) {}

    private final SecureRandom random;
    private final Instant now;

    /** @param random where keys, serials and passwords come from; {@code now} starts validity. */
    public ClusterCertificates(SecureRandom random, Instant now) {
        this.random = random;
        this.now = now;
    }

    /** {@code node-1 .. node-n}, each valid for 127.0.0.1 and localhost (one machine, tests). */
    public static List<Node> numberedNodes(int count) {
        if (count < 1) {
            throw new UserInputException("--nodes must be at least 1, got " + count);
        }
        List<Node> nodes = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            nodes.add(new Node("node-" + i, List.of("127.0.0.1", "localhost")));
        }
        return nodes;
    }

    /** One node per host, named after it and valid for exactly that name or IP. */
    public static List<Node> forHosts(List<String> hosts) {
        Set<String> unique = new LinkedHashSet<>();
        for (String host : hosts) {
            String h = host.trim();
            if (h.isEmpty() || !unique.add(h)) {
                throw new UserInputException("--hosts has an empty or repeated entry '" + host
                        + "'; give each host once, comma-separated");
            }
        }
        return unique.stream().map(h -> new Node(h, List.of(h))).toList();
    }

    /** A new CA in {@code out/ca} and a folder per node; {@code out} must not hold stores yet. */
    public Written create(Path out, List<Node> nodes, Duration nodeValidity) {
        Path caFolder = out.resolve(CA_FOLDER);
        if (Files.exists(caFolder)) {
            throw new UserInputException(out + " already holds a cluster CA; choose a new --out, or add"
                    + " nodes to it with --ca " + caFolder);
        }
        requireNoNodeFolders(out, nodes);
        try {
            KeyPair caKeys = newKeyPair();
            X509Certificate caCert = caCertificate(caKeys, "CN=t2t cluster CA " + serial().toString(16));
            mkdirPrivate(out);
            mkdirPrivate(caFolder);
            String caPassword = password();
            KeyStore caStore = emptyStore();
            caStore.setKeyEntry(CA_ALIAS, caKeys.getPrivate(), caPassword.toCharArray(), new Certificate[] {caCert});
            writeStore(caStore, caFolder.resolve(CA_STORE), caPassword);
            writePasswords(caFolder.resolve(TlsConfig.PASSWORDS), Map.of(CA_STORE_PASSWORD, caPassword));
            Files.writeString(caFolder.resolve(CA_CERT), pem(caCert), StandardCharsets.US_ASCII);
            List<Path> nodeFolders = writeNodes(out, nodes, caKeys.getPrivate(), caCert, nodeValidity);
            writeReadme(out, nodes);
            return new Written(caFolder, nodeFolders);
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("making certificates in " + out + " failed", e);
        }
    }

    /** More node folders under {@code out}, signed by the existing CA in {@code caFolder}. */
    public List<Path> addNodes(Path caFolder, Path out, List<Node> nodes, Duration nodeValidity) {
        Path storeFile = caFolder.resolve(CA_STORE);
        Path passwordFile = caFolder.resolve(TlsConfig.PASSWORDS);
        if (!Files.isRegularFile(storeFile) || !Files.isRegularFile(passwordFile)) {
            throw new UserInputException("--ca " + caFolder + " holds no " + CA_STORE + " and "
                    + TlsConfig.PASSWORDS + "; point it at the ca/ folder ./t2t certs --out DIR made");
        }
        String caPassword = TlsConfig.readPasswords(passwordFile).getProperty(CA_STORE_PASSWORD, "");
        KeyStore caStore = TlsConfig.open(storeFile, caPassword);
        try {
            PrivateKey caKey = (PrivateKey) caStore.getKey(CA_ALIAS, caPassword.toCharArray());
            X509Certificate caCert = (X509Certificate) caStore.getCertificate(CA_ALIAS);
            if (caKey == null || caCert == null) {
                throw new UserInputException(storeFile + " holds no '" + CA_ALIAS + "' key; point --ca at"
                        + " the ca/ folder ./t2t certs --out DIR made");
            }
            mkdirPrivate(out);
            List<Path> folders = writeNodes(out, nodes, caKey, caCert, nodeValidity);
            if (!Files.exists(out.resolve("README.txt"))) {
                writeReadme(out, nodes);
            }
            return folders;
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("adding nodes to " + out + " failed", e);
        }
    }

    private List<Path> writeNodes(Path out, List<Node> nodes, PrivateKey caKey, X509Certificate caCert,
            Duration validity) throws IOException, GeneralSecurityException, OperatorCreationException {
        requireNoNodeFolders(out, nodes);
        List<Path> folders = new ArrayList<>();
        for (Node node : nodes) {
            Path folder = out.resolve(node.name());
            mkdirPrivate(folder);
            KeyPair keys = newKeyPair();
            X509Certificate cert = nodeCertificate(node, keys, caKey, caCert, validity);
            String keyPassword = password();
            String trustPassword = password();
            KeyStore keyStore = emptyStore();
            keyStore.setKeyEntry(NODE_ALIAS, keys.getPrivate(), keyPassword.toCharArray(),
                    new Certificate[] {cert, caCert});
            writeStore(keyStore, folder.resolve(TlsConfig.KEYSTORE), keyPassword);
            KeyStore trustStore = emptyStore();
            trustStore.setCertificateEntry(CA_ALIAS, caCert);
            writeStore(trustStore, folder.resolve(TlsConfig.TRUSTSTORE), trustPassword);
            writePasswords(folder.resolve(TlsConfig.PASSWORDS),
                    Map.of(TlsConfig.KEY_STORE_PASSWORD, keyPassword, TlsConfig.TRUST_STORE_PASSWORD, trustPassword));
            Files.writeString(folder.resolve("node.pem"), pem(cert), StandardCharsets.US_ASCII);
            folders.add(folder);
        }
        return folders;
    }

    /** Checked before anything is written, so a refused run leaves no half-made CA or node behind. */
    private static void requireNoNodeFolders(Path out, List<Node> nodes) {
        for (Node node : nodes) {
            if (Files.exists(out.resolve(node.name()))) {
                throw new UserInputException(out.resolve(node.name()) + " already exists; choose another"
                        + " --out or remove that node folder first");
            }
        }
    }

    private X509Certificate caCertificate(KeyPair keys, String subject)
            throws GeneralSecurityException, IOException, OperatorCreationException {
        X500Name name = new X500Name(subject);
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(CA_VALIDITY)), name, keys.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        // Path length 0: the CA signs node certificates only, never another CA.
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
        return sign(builder, keys.getPrivate());
    }

    private X509Certificate nodeCertificate(Node node, KeyPair keys, PrivateKey caKey, X509Certificate caCert,
            Duration validity) throws GeneralSecurityException, IOException, OperatorCreationException {
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCert, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(validity)),
                new X500Name("CN=" + node.name()), keys.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        // Every node is a TLS server for inbound and a client for outbound Artery connections.
        builder.addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
        builder.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
        if (!node.hosts().isEmpty()) {
            builder.addExtension(Extension.subjectAlternativeName, false, subjectAltNames(node.hosts()));
        }
        return sign(builder, caKey);
    }

    private static GeneralNames subjectAltNames(List<String> hosts) {
        List<GeneralName> names = new ArrayList<>();
        for (String host : hosts) {
            names.add(isIpLiteral(host) ? new GeneralName(GeneralName.iPAddress, host)
                    : new GeneralName(GeneralName.dNSName, host));
        }
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    static boolean isIpLiteral(String host) {
        if (IPV4.matcher(host).matches()) {
            return true;
        }
        if (!host.contains(":")) {
            return false;
        }
        try {
            // A literal containing ':' is parsed, never looked up.
            InetAddress.getByName(host);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws GeneralSecurityException, OperatorCreationException {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }

    private KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), random);
        return generator.generateKeyPair();
    }

    private BigInteger serial() {
        return new BigInteger(127, random).add(BigInteger.ONE);
    }

    private String password() {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }

    private static void writeStore(KeyStore store, Path file, String password)
            throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(createPrivateFile(file))) {
            store.store(out, password.toCharArray());
        }
    }

    private static void writePasswords(Path file, Map<String, String> passwords) throws IOException {
        Properties props = new Properties();
        props.putAll(passwords);
        try (OutputStream out = Files.newOutputStream(createPrivateFile(file))) {
            props.store(out, "Store passwords: readable by the owner only; never commit or log them");
        }
    }

    /** Created owner-only before anything secret is written into it, so it is never readable by others. */
    private static Path createPrivateFile(Path file) throws IOException {
        try {
            if (isPosix(file)) {
                return Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            return Files.createFile(file);
        } catch (FileAlreadyExistsException e) {
            throw new UserInputException(file + " already exists; choose a new --out", e);
        }
    }

    private static void mkdirPrivate(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (isPosix(parent == null ? dir : parent)) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectory(dir);
        }
    }

    private static boolean isPosix(Path path) {
        Path existing = path.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing != null && existing.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static String pem(X509Certificate cert) throws GeneralSecurityException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded());
        return "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n";
    }

    private static void writeReadme(Path out, List<Node> nodes) throws IOException {
        String example = nodes.get(0).name();
        String text = """
                Cluster TLS material made by ./t2t certs (TLS 1.3, mutual authentication).

                ca/ca.p12               the cluster CA's private key and certificate (PKCS12). Keep it OFF the
                                        nodes, somewhere safe: it is needed only to add nodes later
                                        (./t2t certs --out DIR --ca DIR/ca --hosts NEWHOST).
                ca/ca.pem               the CA certificate alone (public), to inspect with openssl x509 -text.
                ca/passwords.properties the CA store's password (owner-only file).

                One folder per node (copy each to its node only, keep the permissions):
                <node>/keystore.p12         the node's private key and its certificate chain (node, CA).
                <node>/truststore.p12       the CA certificate: the only issuer this node accepts from peers.
                <node>/passwords.properties the two store passwords (owner-only file; never commit it).
                <node>/node.pem             the node certificate alone (public).

                Use: ./t2t node --tls DIR/%s ... on each node (each with its own folder).
                A peer presenting a certificate from any other CA fails the TLS handshake and cannot join.
                Hostname verification is off by default: possession of a key signed by this cluster's own CA
                is the node's identity (and pod IPs on Kubernetes are unknown in advance). Node certificates
                still name their hosts (subject alternative names) for deployments that turn it on.
                """.formatted(example);
        Files.writeString(out.resolve("README.txt"), text, StandardCharsets.UTF_8);
    }
}
