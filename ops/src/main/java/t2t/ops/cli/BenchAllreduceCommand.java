package t2t.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import t2t.actors.collective.BenchRank;
import t2t.actors.collective.CollectiveConfig;
import t2t.actors.collective.Rendezvous;
import t2t.actors.collective.Transport;
import t2t.protocol.UserInputException;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * All-reduce bandwidth between real processes on this machine, NCCL-tests style: the command starts {@code --nodes}
 * JVMs ({@link BenchRank}, this classpath), which meet at a rendezvous port, warm up, time {@code --iters}
 * all-reduces of {@code --elements} floats and check every element of the result. An iteration takes as long as its
 * slowest rank; the median iteration gives algbw = bytes / time and busbw = algbw x 2(n-1)/n.
 */
@Command(name = "allreduce", mixinStandardHelpOptions = true,
        description = "All-reduce bandwidth (algbw, busbw) between --nodes processes on 127.0.0.1.")
public final class BenchAllreduceCommand implements Callable<Integer> {
    @Option(names = "--nodes", defaultValue = "2", description = "Processes (ranks) (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--elements", defaultValue = "21545550",
            description = "Floats reduced; the default is T2T-ViT-14's parameter count (default ${DEFAULT-VALUE}).")
    int elements;

    @Option(names = "--iters", defaultValue = "10", description = "Timed iterations (default ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed iterations first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--transport", defaultValue = "auto",
            description = "auto (shared memory on one host, else nio-tcp), shm, stream-tcp, nio-tcp or artery (default ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--chunk-floats", defaultValue = "" + CollectiveConfig.DEFAULT_CHUNK_FLOATS,
            description = "Pipelining chunk in floats, at most 262144 (default ${DEFAULT-VALUE}).")
    int chunkFloats;

    @Option(names = "--api", defaultValue = "buffer",
            description = "buffer: reduce the collective's own vector (shared memory under shm; what the runtime uses); "
                    + "array: reduce a heap float[] (one copy in and one out more under shm) (default ${DEFAULT-VALUE}).")
    String api;

    @Option(names = "--gloo-gbps", description = "busbw of PyTorch gloo measured beside it, to print the ratio.")
    Double glooGbps;

    @Option(names = "--json", description = "Print one JSON object as the last stdout line.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (nodes < 2 || nodes > 16) {
            throw new UserInputException("--nodes must be 2 .. 16 (got " + nodes + ")");
        }
        if (elements < nodes || iters < 1 || warmup < 0) {
            throw new UserInputException("--elements must be >= --nodes, --iters >= 1, --warmup >= 0");
        }
        if (chunkFloats < 1 || chunkFloats > 1 << 18) {
            throw new UserInputException("--chunk-floats must be 1 .. 262144 (1 MiB chunks at most)");
        }
        if (!api.equals("buffer") && !api.equals("array")) {
            throw new UserInputException("--api must be buffer or array (got " + api + ")");
        }
        Transport t;
        try {
            t = Transport.parse(transport);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--transport: " + e.getMessage());
        }
        String session = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        List<Process> ranks = new ArrayList<>();
        List<CompletableFuture<JsonNode>> results = new ArrayList<>();
        long heapMb = 512 + 3L * elements * Float.BYTES / (1 << 20);
        try (Rendezvous rv = Rendezvous.listen("127.0.0.1", 0, nodes)) {
            for (int r = 0; r < nodes; r++) {
                List<String> cmd = new ArrayList<>(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xms" + heapMb + "m", "-Xmx" + heapMb + "m", "-XX:+UseParallelGC",
                        "-cp", System.getProperty("java.class.path"), BenchRank.class.getName(),
                        String.valueOf(r), String.valueOf(nodes), "127.0.0.1:" + rv.port(), t.flag(),
                        String.valueOf(elements), String.valueOf(iters), String.valueOf(warmup), session,
                        String.valueOf(chunkFloats), api));
                Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                ranks.add(p);
                results.add(CompletableFuture.supplyAsync(() -> readResult(p)));
            }
            System.err.printf("bench allreduce: %d ranks, %d floats (%.1f MB), transport %s, api %s, %d warm-up + %d timed%n",
                    nodes, elements, elements * 4.0 / 1e6, t.flag(), api, warmup, iters);
            rv.serve(Duration.ofSeconds(120));
            List<JsonNode> out = new ArrayList<>();
            for (int r = 0; r < nodes; r++) {
                JsonNode res = results.get(r).get(30L * (iters + warmup + 2), TimeUnit.SECONDS);
                int code = ranks.get(r).waitFor();
                if (res == null || code != 0) {
                    throw new IllegalStateException("rank " + r + " failed (exit " + code + "); its log is above");
                }
                out.add(res);
            }
            return report(out);
        } finally {
            for (Process p : ranks) {
                p.destroyForcibly();
            }
        }
    }

    private static JsonNode readResult(Process p) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            JsonNode result = null;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("RESULT ")) {
                    result = Json.MAPPER.readTree(line.substring(7));
                } else {
                    System.err.println(line);
                }
            }
            return result;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private int report(List<JsonNode> out) {
        double[] iterSeconds = new double[iters];
        boolean correct = true;
        long dropped = 0;
        for (JsonNode rank : out) {
            correct &= rank.get("correct").asBoolean();
            dropped += rank.get("dropped_chunks").asLong();
            for (int i = 0; i < iters; i++) {
                iterSeconds[i] = Math.max(iterSeconds[i], rank.get("seconds").get(i).asDouble());
            }
        }
        double[] sorted = iterSeconds.clone();
        Arrays.sort(sorted);
        double median = iters % 2 == 1 ? sorted[iters / 2] : (sorted[iters / 2 - 1] + sorted[iters / 2]) / 2;
        double bytes = elements * (double) Float.BYTES;
        double algbw = bytes / median / 1e9;
        double busbw = algbw * 2 * (nodes - 1) / nodes;

        Map<String, Object> res = new LinkedHashMap<>();
        res.put("nodes", nodes);
        res.put("elements", elements);
        res.put("algbw_gbps", round(algbw));
        res.put("busbw_gbps", round(busbw));
        res.put("transport", out.get(0).get("transport").asText());
        res.put("iters", iters);
        res.put("median_s", roundMicros(median));
        res.put("min_s", roundMicros(sorted[0]));
        res.put("api", api);
        res.put("chunk_floats", chunkFloats);
        res.put("correct", correct);
        res.put("dropped_chunks", dropped);
        if (glooGbps != null) {
            res.put("gloo_busbw_gbps", glooGbps);
            res.put("ratio_vs_gloo", round(busbw / glooGbps));
        }
        System.out.printf("allreduce %d ranks x %.1f MB over %s: median %.1f ms (min %.1f), algbw %.2f GB/s, busbw %.2f GB/s%s; result %s%n",
                nodes, bytes / 1e6, res.get("transport"), median * 1e3, sorted[0] * 1e3, algbw, busbw,
                glooGbps == null ? "" : String.format(" (%.2fx gloo's %.2f)", busbw / glooGbps, glooGbps),
                correct ? "exact on every rank" : "WRONG");
        if (json) {
            Json.print(res);
        }
        return correct ? 0 : 1;
    }

    /** Seconds to the microsecond: 4 decimals would cost a 2 ms iteration 3% of its precision. */
    private static double roundMicros(double seconds) {
        return Math.round(seconds * 1e6) / 1e6;
    }

    private static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }
}
