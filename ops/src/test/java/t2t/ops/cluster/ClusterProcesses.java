package t2t.ops.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import t2t.ops.cli.Json;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real cluster nodes and clients as JVMs on 127.0.0.1, their logs in a folder; closing kills what is left. */
final class ClusterProcesses implements AutoCloseable {
    /** A tiny student, global batch 24, one torch thread per worker (the nodes share this machine's cores). */
    static final List<String> JOB = List.of("--model", "t2t_vit_7",
            "--model-args", "embed_dim=32,depth=1,num_heads=2,mlp_ratio=2.0,soft_split=small,token_dim=16",
            "--img-size", "32", "--teacher", "none", "--token-label", "false", "--distillation-type", "none",
            "--batch-size", "24", "--seed", "5", "--log-every", "1", "--threads-per-worker", "1");

    private final Path dir;
    private final List<Process> started = new ArrayList<>();
    final int seedPort;

    ClusterProcesses(Path dir) throws IOException {
        this.dir = dir;
        this.seedPort = freePort();
    }

    String seed() {
        return "127.0.0.1:" + seedPort;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process java(String log, List<String> args) throws IOException {
        return java(log, List.of(), args);
    }

    private Process java(String log, List<String> jvmOptions, List<String> args) throws IOException {
        return java(log, jvmOptions, "t2t.ops.Main", args);
    }

    private Process java(String log, List<String> jvmOptions, String mainClass, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Xss4m", "-Xmx768m"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve(log + ".err").toFile())
                .redirectOutput(dir.resolve(log + ".out").toFile()).start();
        started.add(p);
        return p;
    }

    Process node(String name, int port, String roles, Path tls, String... extra) throws IOException {
        return node(name, port, roles, List.of(), tls, extra);
    }

    /** A node whose JVM also gets {@code jvmOptions} (a test-only {@code -D} switch, say). */
    Process node(String name, int port, String roles, List<String> jvmOptions, Path tls, String... extra)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("node", "--seed", seed(), "--port", Integer.toString(port),
                "--roles", roles, "--workers", "1"));
        args.addAll(List.of(extra));
        args.addAll(tls == null ? List.of("--insecure") : List.of("--tls", tls.toString()));
        return java(name, jvmOptions, args);
    }

    /** A node (no TLS) that halts or stalls at {@code point} of a shard move: {@link FaultyNode}. */
    Process faultyNode(String name, int port, String roles, String point) throws IOException {
        List<String> args = new ArrayList<>(List.of(point, "node", "--seed", seed(), "--port", Integer.toString(port),
                "--roles", roles, "--workers", "1", "--insecure"));
        return java(name, List.of(), FaultyNode.class.getName(), args);
    }

    /** {@code samples} synthetic samples: an epoch of {@code samples / 24} steps. */
    Process train(String name, int minWorkers, Path tls, int samples, String... extra) throws IOException {
        return train(name, minWorkers, tls, samples, JOB, extra);
    }

    /** A job of {@code samples} synthetic samples with the given model and batch flags instead of {@link #JOB}. */
    Process train(String name, int minWorkers, Path tls, int samples, List<String> job, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("train", "--cluster", seed(), "--min-workers",
                Integer.toString(minWorkers), "--out", dir.resolve("runs").toString(), "--name", name, "--json",
                "--data", "synthetic:" + samples));
        args.addAll(job);
        args.addAll(List.of(extra));
        args.addAll(tls == null ? List.of("--insecure") : List.of("--tls", tls.toString()));
        return java("train-" + name, args);
    }

    Path certs(int nodes) throws Exception {
        Path out = dir.resolve("certs");
        Process p = java("certs", List.of("certs", "--out", out.toString(), "--nodes", Integer.toString(nodes)));
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "certs finished");
        assertEquals(0, p.exitValue(), log("certs.err"));
        return out;
    }

    Path runDir(String name) {
        return dir.resolve("runs").resolve(name);
    }

    /** True once the run's metrics log holds step {@code step} (1-based, as logged). */
    boolean reached(String name, int step) {
        Path m = runDir(name).resolve("metrics.jsonl");
        try {
            return Files.exists(m) && Files.readString(m).contains("{\"step\":" + step + ",");
        } catch (IOException e) {
            return false;
        }
    }

    /** {step, img/s} of every logged training step of the run, in order. */
    List<double[]> stepRates(String name) throws IOException {
        List<double[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(runDir(name).resolve("metrics.jsonl"))) {
            JsonNode j = Json.MAPPER.readTree(line);
            if (j.has("step") && j.has("img_per_s")) {
                out.add(new double[] {j.get("step").asDouble(), j.get("img_per_s").asDouble()});
            }
        }
        return out;
    }

    /** The Prometheus text of a node's metrics endpoint. */
    static String scrape(int port) throws IOException {
        try (java.io.InputStream in = java.net.URI.create("http://127.0.0.1:" + port + "/metrics").toURL().openStream()) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * Sends {@code signal} (STOP, CONT, TERM, ...) to a process with {@code kill -s}: the JDK can send
     * only TERM and KILL, and a frozen peer needs STOP and CONT.
     */
    static void signal(Process p, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-s", signal, Long.toString(p.pid())).redirectErrorStream(true).start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS), "kill -s " + signal + " finished");
        assertEquals(0, kill.exitValue(), "kill -s " + signal + " " + p.pid() + ": "
                + new String(kill.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    }

    String log(String file) {
        try {
            return Files.readString(dir.resolve(file));
        } catch (IOException e) {
            return "";
        }
    }

    static void await(String what, long seconds, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    JsonNode summary(Process train, String name, long seconds) throws Exception {
        assertTrue(train.waitFor(seconds, TimeUnit.SECONDS), "the job finished within " + seconds + " s");
        String out = log("train-" + name + ".out");
        assertEquals(0, train.exitValue(), log("train-" + name + ".err"));
        String[] lines = out.strip().split("\n");
        return Json.MAPPER.readTree(lines[lines.length - 1]);
    }

    @Override
    public void close() {
        for (Process p : started) {
            p.destroyForcibly();
        }
        for (Process p : started) {
            try {
                p.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
