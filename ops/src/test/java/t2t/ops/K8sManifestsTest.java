package t2t.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import t2t.actors.cluster.bootstrap.Bootstrap;
import t2t.actors.cluster.tls.TlsConfig;

/** ops/k8s parses, and its pieces point at each other and at what the code expects. */
class K8sManifestsTest {
    private static final Path K8S = Path.of("k8s");
    private static final Map<String, Map<String, Object>> BY_KIND_AND_NAME = new HashMap<>();
    private static Map<String, Object> kustomization;

    @BeforeAll
    static void parse() throws IOException {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        try (var files = Files.list(K8S)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (Reader in = Files.newBufferedReader(file)) {
                    for (Object doc : yaml.loadAll(in)) {
                        Map<String, Object> m = map(doc);
                        if (file.getFileName().toString().equals("kustomization.yaml")) {
                            kustomization = m;
                        } else {
                            String key = m.get("kind") + "/" + map(m.get("metadata")).get("name");
                            assertEquals(null, BY_KIND_AND_NAME.put(key, m), "one " + key);
                        }
                    }
                }
            }
        }
    }

    @Test
    void kustomizationListsEveryManifestAndTheTlsSecret() throws IOException {
        List<String> resources = strings(kustomization.get("resources"));
        try (var files = Files.list(K8S)) {
            List<String> manifests = files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml")).sorted().toList();
            assertEquals(manifests, resources.stream().sorted().toList());
        }
        Map<String, Object> secret = map(list(kustomization.get("secretGenerator")).get(0));
        assertEquals("t2t-tls", secret.get("name"));
        assertEquals(List.of(TlsConfig.KEYSTORE, TlsConfig.TRUSTSTORE, TlsConfig.PASSWORDS),
                strings(secret.get("files")).stream().map(f -> Path.of(f).getFileName().toString()).toList(),
                "the files TlsConfig.forDir reads, flat in the mounted folder");
    }

    @Test
    void podsMayOnlyReadPods() {
        Map<String, Object> role = get("Role/t2t-pod-reader");
        Map<String, Object> rule = map(list(role.get("rules")).get(0));
        assertEquals(List.of("pods"), rule.get("resources"));
        assertEquals(List.of("get", "watch", "list"), rule.get("verbs"));
        Map<String, Object> binding = get("RoleBinding/t2t-pod-reader");
        assertEquals("t2t-pod-reader", map(binding.get("roleRef")).get("name"));
        assertEquals("t2t", map(list(binding.get("subjects")).get(0)).get("name"));
        assertNotNull(get("ServiceAccount/t2t"));
    }

    @Test
    void statefulSetUsesTheHeadlessServiceAccountSecretAndSharedVolume() {
        Map<String, Object> service = get("Service/t2t");
        Map<String, Object> serviceSpec = map(service.get("spec"));
        assertEquals("None", serviceSpec.get("clusterIP"), "headless");
        assertEquals(true, serviceSpec.get("publishNotReadyAddresses"), "bootstrap reaches pods before they are ready");

        Map<String, Object> set = get("StatefulSet/t2t");
        Map<String, Object> spec = map(set.get("spec"));
        assertEquals("t2t", spec.get("serviceName"));
        Map<String, Object> template = map(spec.get("template"));
        Map<String, Object> labels = map(map(template.get("metadata")).get("labels"));
        assertEquals(serviceSpec.get("selector"), labels);
        assertEquals(map(map(spec.get("selector")).get("matchLabels")), labels);
        Map<String, Object> configMap = map(get("ConfigMap/t2t-node").get("data"));
        assertEquals(labels.get("app"), configMap.get("T2T_SERVICE_NAME"), "discovery selects app=<service name>");
        assertEquals(String.valueOf(spec.get("replicas")), configMap.get("T2T_REQUIRED_CONTACT_POINTS"));

        Map<String, Object> pod = map(template.get("spec"));
        assertEquals("t2t", pod.get("serviceAccountName"));
        Map<String, Object> container = map(list(pod.get("containers")).get(0));
        List<String> ports = list(container.get("ports")).stream().map(p -> (String) map(p).get("name")).toList();
        assertTrue(ports.contains(Bootstrap.MANAGEMENT_PORT_NAME), "bootstrap probes the port named "
                + Bootstrap.MANAGEMENT_PORT_NAME + ": " + ports);
        List<String> args = strings(container.get("args"));
        assertEquals("node", args.get(0));
        assertEquals("kubernetes", args.get(args.indexOf("--discovery") + 1));
        String tlsDir = args.get(args.indexOf("--tls") + 1);

        Map<String, String> mounts = new HashMap<>();
        for (Object m : list(container.get("volumeMounts"))) {
            mounts.put((String) map(m).get("name"), (String) map(m).get("mountPath"));
        }
        assertEquals(tlsDir, mounts.get("tls"));
        Map<String, Map<String, Object>> volumes = new HashMap<>();
        for (Object v : list(pod.get("volumes"))) {
            volumes.put((String) map(v).get("name"), map(v));
        }
        assertEquals("t2t-tls", map(volumes.get("tls").get("secret")).get("secretName"));
        String claim = (String) map(volumes.get("checkpoints").get("persistentVolumeClaim")).get("claimName");
        Map<String, Object> pvc = get("PersistentVolumeClaim/" + claim);
        assertEquals(List.of("ReadWriteMany"), map(pvc.get("spec")).get("accessModes"),
                "every node reads the checkpoints the coordinator wrote");
    }

    @Test
    void thePodsArgumentsAreAValidNodeCommandLine() {
        Map<String, Object> pod = map(map(map(get("StatefulSet/t2t").get("spec")).get("template")).get("spec"));
        Map<String, Object> container = map(list(pod.get("containers")).get(0));
        Map<String, String> env = new HashMap<>();
        map(get("ConfigMap/t2t-node").get("data")).forEach((k, v) -> env.put(k, String.valueOf(v)));
        env.put("POD_IP", "10.1.2.3");
        env.put("POD_NAME", "t2t-0");
        // Kubernetes expands $(VAR) in args from the container's environment.
        List<String> args = strings(container.get("args")).stream().map(a -> {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\((\\w+)\\)").matcher(a);
            return m.replaceAll(r -> java.util.regex.Matcher.quoteReplacement(env.getOrDefault(r.group(1), r.group())));
        }).toList();
        picocli.CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args.toArray(String[]::new));
        picocli.CommandLine.ParseResult node = parsed.subcommand();
        assertEquals("node", node.commandSpec().name());
        assertEquals("kubernetes", node.matchedOptionValue("--discovery", ""));
        assertEquals("10.1.2.3", node.matchedOptionValue("--host", ""));
        assertEquals("/etc/t2t/tls", String.valueOf(node.matchedOptionValue("--tls", (Object) null)));
        assertEquals(Integer.parseInt(env.get("T2T_REQUIRED_CONTACT_POINTS")),
                (int) node.matchedOptionValue("--required-contact-points", 0));
    }

    private static Map<String, Object> get(String kindAndName) {
        Map<String, Object> m = BY_KIND_AND_NAME.get(kindAndName);
        assertNotNull(m, kindAndName + " in ops/k8s, found " + BY_KIND_AND_NAME.keySet());
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertTrue(o instanceof Map, "a mapping: " + o);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        assertTrue(o instanceof List, "a list: " + o);
        return (List<Object>) o;
    }

    private static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        for (Object item : list(o)) {
            out.add(String.valueOf(item));
        }
        return out;
    }
}
