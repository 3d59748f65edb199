package t2t.actors.cluster.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import t2t.actors.cluster.TestNodes;

/**
 * Real ActorSystems on 127.0.0.1 over Artery tls-tcp: nodes holding the cluster's certificates
 * form a cluster; a node whose stores come from another CA is refused at the TLS handshake.
 */
class TlsClusterTest {
    private static final Duration FORM_TIMEOUT = Duration.ofSeconds(25);
    // Longer than several join retries (seed-node-timeout 2 s below) and than a TLS-valid join takes.
    private static final Duration REFUSAL_WINDOW = Duration.ofSeconds(8);

    @TempDir static Path tmp;
    private static ClusterCertificates.Written cluster;
    private static ClusterCertificates.Written stranger;

    private final List<ActorSystem<?>> systems = new ArrayList<>();

    /** The certificates start at TestCertificates.NOW (fixed, for determinism): they must outlive the calendar. */
    @BeforeAll
    static void makeCertificates() {
        cluster = TestCertificates.seeded("tls-cluster").create(
                tmp.resolve("cluster"), ClusterCertificates.numberedNodes(3), Duration.ofDays(3650));
        stranger = TestCertificates.seeded("tls-stranger").create(
                tmp.resolve("stranger"), ClusterCertificates.numberedNodes(1), Duration.ofDays(3650));
    }

    @AfterEach
    void stop() throws Exception {
        TestNodes.terminate(systems);
    }

    @Test
    void hostnameVerificationAcceptsTheSubjectAltNamesOfNodeCertificates() throws Exception {
        int seedPort = TestNodes.freePort();
        ActorSystem<?> seed = start(TlsConfig.forDir(cluster.nodeFolders().get(0), true), seedPort, seedPort);
        ActorSystem<?> second = start(TlsConfig.forDir(cluster.nodeFolders().get(2), true), TestNodes.freePort(), seedPort);

        awaitTrue(() -> upPorts(seed).size() == 2 && upPorts(second).size() == 2, FORM_TIMEOUT,
                "nodes with 127.0.0.1 in their certificates did not join with hostname verification on");
    }

    @Test
    void nodesWithTheClustersCertificatesJoinAndANodeFromAnotherCaCannot() throws Exception {
        int seedPort = TestNodes.freePort();
        ActorSystem<?> seed = start(TlsConfig.forDir(cluster.nodeFolders().get(0)), seedPort, seedPort);
        ActorSystem<?> member = start(TlsConfig.forDir(cluster.nodeFolders().get(1)), TestNodes.freePort(), seedPort);
        awaitTrue(() -> upPorts(seed).size() == 2 && upPorts(member).size() == 2, FORM_TIMEOUT,
                "two TLS nodes with the cluster's certificates did not both come Up");
        assertEquals("tls-tcp", seed.settings().config().getString("pekko.remote.artery.transport"));

        int strangerPort = TestNodes.freePort();
        ActorSystem<?> intruder = start(TlsConfig.forDir(stranger.nodeFolders().get(0)), strangerPort, seedPort);
        long deadline = System.nanoTime() + REFUSAL_WINDOW.toNanos();
        while (System.nanoTime() < deadline) {
            assertFalse(allPorts(seed).contains(strangerPort), "the seed admitted a node from another CA");
            assertFalse(allPorts(member).contains(strangerPort), "a member admitted a node from another CA");
            Thread.sleep(200);
        }
        assertEquals(Set.of(seedPort, port(member)), upPorts(seed));
        assertFalse(allPorts(intruder).contains(seedPort),
                "the refused node must never learn the cluster's membership: " + allPorts(intruder));
    }

    /** With verification on, a certificate that names another host is refused even from the right CA. */
    @Tag("slow")
    @Test
    void hostnameVerificationRefusesACertificateForAnotherHost() throws Exception {
        Path elsewhere = TestCertificates.seeded("tls-elsewhere").addNodes(cluster.caFolder(), tmp.resolve("elsewhere"),
                ClusterCertificates.forHosts(List.of("10.9.9.9")), Duration.ofDays(3650)).get(0);
        int seedPort = TestNodes.freePort();
        ActorSystem<?> seed = start(TlsConfig.forDir(cluster.nodeFolders().get(0), true), seedPort, seedPort);
        awaitTrue(() -> upPorts(seed).size() == 1, FORM_TIMEOUT, "the seed did not form its cluster");
        int port = TestNodes.freePort();
        start(TlsConfig.forDir(elsewhere, true), port, seedPort);
        long deadline = System.nanoTime() + REFUSAL_WINDOW.toNanos();
        while (System.nanoTime() < deadline) {
            assertFalse(allPorts(seed).contains(port), "a certificate for 10.9.9.9 was accepted from 127.0.0.1");
            Thread.sleep(200);
        }
    }

    private ActorSystem<?> start(Config tls, int port, int seedPort) {
        Config config = tls.withFallback(ConfigFactory.parseString("""
                pekko.cluster.seed-nodes = ["pekko://t2t-tls@127.0.0.1:%d"]
                pekko.cluster.seed-node-timeout = 2s
                pekko.cluster.retry-unsuccessful-join-after = 2s
                pekko.coordinated-shutdown.terminate-actor-system = on
                """.formatted(seedPort))).withFallback(TestNodes.localNode(port));
        ActorSystem<?> system = ActorSystem.create(Behaviors.empty(), "t2t-tls", config);
        systems.add(system);
        return system;
    }

    private static int port(ActorSystem<?> system) {
        return Cluster.get(system).selfMember().address().getPort().get();
    }

    private static Set<Integer> upPorts(ActorSystem<?> system) {
        return members(system).stream().filter(m -> m.status() == MemberStatus.up())
                .map(m -> (Integer) m.address().getPort().get()).collect(Collectors.toSet());
    }

    private static Set<Integer> allPorts(ActorSystem<?> system) {
        return members(system).stream().map(m -> (Integer) m.address().getPort().get()).collect(Collectors.toSet());
    }

    private static List<Member> members(ActorSystem<?> system) {
        List<Member> list = new ArrayList<>();
        Cluster.get(system).state().getMembers().forEach(list::add);
        return list;
    }

    private static void awaitTrue(BooleanSupplier condition, Duration timeout, String message) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(message);
            }
            Thread.sleep(100);
        }
    }
}
