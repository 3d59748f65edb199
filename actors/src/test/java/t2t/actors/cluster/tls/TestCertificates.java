package t2t.actors.cluster.tls;

import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;

/** Seeded certificate makers, so a failing test makes the same keys again. */
final class TestCertificates {
    static final Instant NOW = Instant.parse("2026-11-01T00:00:00Z");

    private TestCertificates() {}

    static ClusterCertificates seeded(String seed) {
        return seeded(seed, NOW);
    }

    /**
     * Certificates valid from now: a real TLS handshake checks validity against the wall clock, so
     * certificates dated {@link #NOW} stop working once their validity ends after it.
     */
    static ClusterCertificates seededForHandshakes(String seed) {
        return seeded(seed, Instant.now());
    }

    private static ClusterCertificates seeded(String seed, Instant now) {
        try {
            SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            // Seeding before the first nextBytes replaces the OS entropy: the same seed, the same keys.
            random.setSeed(seed.getBytes(StandardCharsets.UTF_8));
            return new ClusterCertificates(random, now);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
