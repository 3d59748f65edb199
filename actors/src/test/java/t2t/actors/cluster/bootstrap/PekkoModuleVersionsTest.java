package t2t.actors.cluster.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/**
 * The guard that {@code pekko.fail-mixed-versions = off} gives up, kept as a test: every Pekko core
 * module on the classpath is one version, except pekko-discovery, which Maven Central here only has
 * up to 1.2.1. If it ever fails because pekko-discovery caught up, pin it to the Pekko version in
 * actors/pom.xml and turn fail-mixed-versions back on.
 */
class PekkoModuleVersionsTest {
    /** The modules Pekko's own startup check compares (ActorSystemImpl's list, trimmed to what we can have). */
    private static final Set<String> CORE = Set.of("pekko-actor", "pekko-actor-typed", "pekko-actor-testkit-typed",
            "pekko-cluster", "pekko-cluster-sharding", "pekko-cluster-tools", "pekko-cluster-typed", "pekko-coordination",
            "pekko-discovery", "pekko-distributed-data", "pekko-testkit", "pekko-persistence", "pekko-protobuf-v3",
            "pekko-remote", "pekko-slf4j", "pekko-stream", "pekko-pki");
    private static final String DISCOVERY_ON_CENTRAL = "1.2.1";

    @Test
    void coreModulesShareOneVersionExceptDiscovery() throws IOException {
        Map<String, String> versions = pekkoJars();
        String pekko = versions.get("pekko-actor");
        Map<String, String> expected = new TreeMap<>();
        Map<String, String> actual = new TreeMap<>();
        versions.forEach((module, version) -> {
            if (CORE.contains(module)) {
                expected.put(module, module.equals("pekko-discovery") ? DISCOVERY_ON_CENTRAL : pekko);
                actual.put(module, version);
            }
        });
        assertEquals(expected, actual);
        assertEquals(DISCOVERY_ON_CENTRAL, versions.get("pekko-discovery"), "Management needs pekko-discovery");
    }

    @Test
    void managementAndHttpModulesAreEachOneSet() throws IOException {
        Map<String, String> versions = pekkoJars();
        assertEquals("1.1.1", versions.get("pekko-management"), "the Management set that resolves from Central");
        assertNotNull(versions.get("pekko-http"), "Management serves HTTP through pekko-http");
        for (String module : new String[] {"pekko-management-cluster-bootstrap", "pekko-management-cluster-http",
                "pekko-discovery-kubernetes-api", "pekko-management-pki"}) {
            assertEquals(versions.get("pekko-management"), versions.get(module), module);
        }
        for (String module : new String[] {"pekko-http-core", "pekko-parsing", "pekko-http-spray-json"}) {
            assertEquals(versions.get("pekko-http"), versions.get(module), module);
        }
    }

    private static Map<String, String> pekkoJars() throws IOException {
        Map<String, String> versions = new TreeMap<>();
        for (URL url : Collections.list(PekkoModuleVersionsTest.class.getClassLoader().getResources("META-INF/MANIFEST.MF"))) {
            try (InputStream in = url.openStream()) {
                Attributes main = new Manifest(in).getMainAttributes();
                String title = main.getValue("Implementation-Title");
                if ("org.apache.pekko".equals(main.getValue("Implementation-Vendor-Id")) && title != null) {
                    versions.put(title, main.getValue("Implementation-Version"));
                }
            }
        }
        return versions;
    }
}
