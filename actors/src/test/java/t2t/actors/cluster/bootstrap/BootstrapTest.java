package t2t.actors.cluster.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import t2t.actors.cluster.TestNodes;
import t2t.actors.cluster.tls.ClusterCertificates;
import t2t.actors.cluster.tls.TlsConfig;
import t2t.protocol.UserInputException;

class BootstrapTest {
    @Test
    void kubernetesSettingsResolveAgainstTheLibraryDefaults() {
        Config c = Bootstrap.config(Bootstrap.Settings.kubernetes("t2t", "10.1.2.3", 7626, 2))
                .withFallback(ConfigFactory.load());
        assertEquals("kubernetes-api", c.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method"));
        assertEquals("t2t", c.getString("pekko.management.cluster.bootstrap.contact-point-discovery.service-name"));
        assertEquals("management", c.getString("pekko.management.cluster.bootstrap.contact-point-discovery.port-name"));
        assertEquals(2, c.getInt("pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr"));
        assertEquals("10.1.2.3", c.getString("pekko.management.http.hostname"));
        assertEquals(7626, c.getInt("pekko.management.http.port"));
        assertTrue(c.getBoolean("pekko.management.http.route-providers-read-only"));
        assertEquals("app=%s", c.getString("pekko.discovery.kubernetes-api.pod-label-selector"));
        assertEquals("org.apache.pekko.discovery.kubernetes.KubernetesApiServiceDiscovery",
                c.getString("pekko.discovery.kubernetes-api.class"), "the kubernetes-api discovery is on the classpath");
        assertTrue(c.getStringList("pekko.cluster.seed-nodes").isEmpty(), "bootstrap, never seed nodes");
    }

    @Test
    void badSettingsAreUserErrors() {
        assertThrows(UserInputException.class, () -> new Bootstrap.Settings(" ", Bootstrap.CONFIG, "h", 1, 1));
        assertThrows(UserInputException.class, () -> new Bootstrap.Settings("t2t", "dns", "h", 1, 1));
        assertThrows(UserInputException.class, () -> new Bootstrap.Settings("t2t", Bootstrap.CONFIG, "h", 70000, 1));
        assertThrows(UserInputException.class, () -> new Bootstrap.Settings("t2t", Bootstrap.CONFIG, "h", 1, 0));
    }

    /** Management on 127.0.0.1 and bootstrap with config discovery: the node forms a cluster by itself. */
    @Test
    void managementStartsAndBootstrapFormsTheCluster() throws Exception {
        int management = TestNodes.freePort();
        Config discovery = ConfigFactory.parseString("""
                pekko.discovery.config.services.t2t-test.endpoints = [{ host = "127.0.0.1", port = %d }]
                pekko.management.cluster.bootstrap.contact-point-discovery.stable-margin = 1s
                pekko.management.cluster.bootstrap.contact-point-discovery.interval = 200ms
                pekko.management.cluster.bootstrap.contact-point.probe-interval = 200ms
                """.formatted(management));
        Config config = Bootstrap.config(new Bootstrap.Settings("t2t-test", Bootstrap.CONFIG, "127.0.0.1", management, 1))
                .withFallback(discovery).withFallback(TestNodes.localNode(0));
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "t2t-bootstrap", config);
        try {
            Bootstrap.start(system);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (Cluster.get(system).selfMember().status() != MemberStatus.up()) {
                assertTrue(System.nanoTime() < deadline, "bootstrap did not form the cluster");
                Thread.sleep(100);
            }
            HttpResponse<String> members = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + management + "/cluster/members")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, members.statusCode());
            assertTrue(members.body().contains("\"status\":\"Up\""), members.body());
            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + management + "/ready")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode(), "the readiness probe of ops/k8s passes once the node is Up");

            String self = Cluster.get(system).selfMember().address().toString();
            HttpResponse<String> down = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + management + "/cluster/members/" + self))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .PUT(HttpRequest.BodyPublishers.ofString("operation=Down")).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(down.statusCode() >= 400, "management is read-only: " + down.statusCode() + " " + down.body());
            Thread.sleep(500);
            assertEquals(MemberStatus.up(), Cluster.get(system).selfMember().status());
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
        }
    }

    @Test
    void aTakenManagementPortIsAUserError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Config config = Bootstrap.config(new Bootstrap.Settings("t2t-test", Bootstrap.CONFIG, "127.0.0.1",
                            taken.getLocalPort(), 1))
                    .withFallback(ConfigFactory.parseString("pekko.loglevel = OFF"))
                    .withFallback(TestNodes.localNode(0));
            ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "t2t-taken", config);
            try {
                UserInputException e = assertThrows(UserInputException.class, () -> Bootstrap.start(system));
                assertTrue(e.getMessage().contains("127.0.0.1:" + taken.getLocalPort()), e.getMessage());
            } finally {
                system.terminate();
                system.getWhenTerminated().toCompletableFuture().join();
            }
        }
    }

    /**
     * Two nodes that only know each other's management ports form one cluster, over mutual TLS.
     * Slow: two systems plus Management take 10-30 s to start on a shared 2-core machine.
     */
    @Tag("slow")
    @Test
    void twoNodesBootstrapOneClusterOverTls(@TempDir Path tmp) throws Exception {
        List<Path> nodes = new ClusterCertificates(seeded("bootstrap-tls"), Instant.now()) // a real handshake checks the wall clock
                .create(tmp.resolve("certs"), ClusterCertificates.numberedNodes(2), Duration.ofDays(30)).nodeFolders();
        int[] management = {TestNodes.freePort(), TestNodes.freePort()};
        List<ActorSystem<Void>> systems = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Config discovery = ConfigFactory.parseString("""
                        pekko.discovery.config.services.t2t-pair.endpoints = [
                          { host = "127.0.0.1", port = %d }, { host = "127.0.0.1", port = %d } ]
                        pekko.management.cluster.bootstrap.contact-point-discovery.stable-margin = 1s
                        pekko.management.cluster.bootstrap.contact-point-discovery.interval = 200ms
                        pekko.management.cluster.bootstrap.contact-point.probe-interval = 200ms
                        # Both nodes share one host here, so contact points differ by port only: keep them all.
                        pekko.management.cluster.bootstrap.contact-point.filter-on-fallback-port = false
                        """.formatted(management[0], management[1]));
                Config config = Bootstrap.config(new Bootstrap.Settings("t2t-pair", Bootstrap.CONFIG, "127.0.0.1",
                                management[i], 2))
                        .withFallback(TlsConfig.forDir(nodes.get(i)))
                        .withFallback(discovery).withFallback(TestNodes.localNode(0));
                ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "t2t-pair", config);
                systems.add(system);
                Bootstrap.start(system);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!systems.stream().allMatch(BootstrapTest::seesTwoUp)) {
                assertTrue(System.nanoTime() < deadline, "the two nodes did not bootstrap one cluster");
                Thread.sleep(100);
            }
            assertEquals("tls-tcp", systems.get(0).settings().config().getString("pekko.remote.artery.transport"));
        } finally {
            for (ActorSystem<Void> system : systems) {
                system.terminate();
                system.getWhenTerminated().toCompletableFuture().join();
            }
        }
    }

    private static boolean seesTwoUp(ActorSystem<?> system) {
        int up = 0;
        for (Member m : Cluster.get(system).state().getMembers()) {
            up += m.status() == MemberStatus.up() ? 1 : 0;
        }
        return up == 2;
    }

    private static SecureRandom seeded(String seed) throws Exception {
        SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
        random.setSeed(seed.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return random;
    }
}
