package t2t.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scaling testbed for real: {@code t2t bench scaling} in its own JVM makes 2 hosts as network
 * namespaces, runs a few steps of the t2t job on 1 and 2 of them (and PyTorch DDP when
 * {@code T2T_OFFICIAL} names a T2T-ViT checkout), prints the table, and leaves no namespace, no
 * {@code /etc/netns} entry and no process behind, also when it is stopped with SIGTERM mid-run.
 * Processes are found through {@code ip netns pids}: {@link ProcessHandle.Info} shows no command line
 * for the processes {@code ip netns exec} started (checked on JDK 17), so it cannot tell them apart.
 * Needs root and {@code ip netns}; skipped with the reason otherwise.
 */
@Tag("slow")
class BenchScalingCommandTest {
    /** Not the default subnet, so a testbed a person runs beside this test is not mistaken for ours. */
    private static final String SUBNET = "10.213.79";
    private static final Pattern NAMESPACE = Pattern.compile("(t2tb\\d+)-h0");

    @BeforeAll
    static void needsRootAndNetns() throws Exception {
        Assumptions.assumeTrue(run("id", "-u").strip().equals("0"),
                "skipped: the testbed makes network namespaces, which needs root (run the slow tests as root)");
        Assumptions.assumeTrue(exitOf("ip", "netns", "list") == 0,
                "skipped: `ip netns` is unavailable here (install iproute2; a container needs CAP_SYS_ADMIN)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")),
                "skipped: the testbed runs on /usr/bin/python3 (apt-get install python3)");
    }

    @Test
    void twoHostsPrintTheTableAndLeaveNothingBehind(@TempDir Path dir) throws Exception {
        String official = System.getenv("T2T_OFFICIAL");
        List<String> args = new ArrayList<>(List.of("--hosts", "2", "--rate", "1gbit", "--steps", "4", "--warmup", "1",
                "--systems", official == null ? "t2t" : "t2t,ddp"));
        if (official != null) {
            args.addAll(List.of("--official", official));
        }
        Process p = testbed(dir, args);
        assertTrue(p.waitFor(20, TimeUnit.MINUTES), "the testbed finished within 20 minutes");
        String err = Files.readString(dir.resolve("err.log"));
        assertEquals(0, p.exitValue(), err);

        String[] lines = Files.readString(dir.resolve("out.log")).strip().split("\n");
        JsonNode table = Json.MAPPER.readTree(lines[lines.length - 1]);
        assertEquals(2, table.get("hosts").asInt());
        assertEquals("t2t_vit_7", table.get("model").asText());
        assertEquals(64, table.get("img_size").asInt());
        assertEquals(32, table.get("batch_per_worker").asInt());
        long gradientBytes = table.get("gradient_bytes").asLong();
        assertTrue(gradientBytes > 10_000_000, "t2t_vit_7's gradients are ~16 MB: " + gradientBytes);
        JsonNode ours = table.get("rows").get(0);
        assertEquals("t2t_train_cluster", ours.get("system").asText());
        assertEquals(official == null ? 1 : 2, table.get("rows").size());
        for (JsonNode row : table.get("rows")) {
            double one = row.get("img_per_s_1_host").asDouble();
            double two = row.get("img_per_s_2_hosts").asDouble();
            assertTrue(one > 0 && two > 0, row.toString());
            assertEquals(two / (2 * one), row.get("scaling_efficiency").asDouble(), 0.002, row.toString());
            // Both hosts exchange gradients and parameters over their veth: at least half the gradient each way.
            long sent = row.get("bytes_sent_per_step_per_host").asLong();
            assertTrue(sent > gradientBytes / 2 && sent < 4 * gradientBytes, row + " vs gradients " + gradientBytes);
            assertEquals(0.0, row.get("runs_1_host").get(0).get("bytes_sent_per_step_per_host").get(0).asDouble(),
                    1e5, "one host alone sends (almost) nothing: " + row);
        }
        assertLeftNothing(prefix(err), err);
    }

    @Test
    void sigtermMidRunDeletesTheNamespacesAndStopsItsProcesses(@TempDir Path dir) throws Exception {
        Process p = testbed(dir, List.of("--hosts", "2", "--steps", "200", "--warmup", "1", "--systems", "t2t"));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        String prefix = null;
        List<Long> started = List.of();
        // Until the 2-host run's second node is up (the 1-host run uses host 0 only).
        while (System.nanoTime() < deadline && p.isAlive() && started.isEmpty()) {
            prefix = prefix(Files.readString(dir.resolve("err.log")));
            started = prefix == null ? List.of() : pidsIn(prefix + "-h1");
            Thread.sleep(200);
        }
        assertTrue(p.isAlive() && !started.isEmpty(), "the testbed started a node in host 1: "
                + Files.readString(dir.resolve("err.log")));
        List<Long> all = new ArrayList<>(started);
        all.addAll(pidsIn(prefix + "-h0"));

        p.destroy();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the testbed exited after SIGTERM");
        assertNotEquals(0, p.exitValue());
        assertLeftNothing(prefix, Files.readString(dir.resolve("err.log")));
        assertEquals(List.of(), all.stream().filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive)
                .orElse(false)).toList(), "processes the testbed started are still running");
    }

    private static Process testbed(Path dir, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "t2t.ops.Main", "bench", "scaling",
                "--subnet", SUBNET, "--work", dir.resolve("work").toString()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectOutput(dir.resolve("out.log").toFile())
                .redirectError(dir.resolve("err.log").toFile()).start();
    }

    /** The namespace prefix the testbed announced on stderr, or null before it did. */
    private static String prefix(String err) {
        Matcher m = NAMESPACE.matcher(err);
        return m.find() ? m.group(1) : null;
    }

    private static void assertLeftNothing(String prefix, String err) throws Exception {
        assertTrue(prefix != null, "the testbed named its namespaces: " + err);
        assertTrue(namespaces().stream().noneMatch(n -> n.startsWith(prefix + "-")),
                "namespaces left: " + namespaces());
        Path etc = Path.of("/etc/netns");
        if (Files.isDirectory(etc)) {
            try (Stream<Path> s = Files.list(etc)) {
                assertTrue(s.noneMatch(f -> f.getFileName().toString().startsWith(prefix + "-")),
                        "/etc/netns entries left");
            }
        }
    }

    private static List<String> namespaces() throws Exception {
        return Arrays.stream(run("ip", "netns", "list").split("\n")).map(l -> l.split(" ")[0])
                .filter(n -> !n.isBlank()).toList();
    }

    /** The processes inside a network namespace (only the testbed's own, since it made the namespace). */
    private static List<Long> pidsIn(String namespace) throws Exception {
        return Arrays.stream(run("ip", "netns", "pids", namespace).split("\n")).map(String::strip)
                .filter(l -> l.matches("\\d+")).map(Long::parseLong).toList();
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    private static int exitOf(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", cmd) + " finished");
        return p.exitValue();
    }
}
