package t2t.actors.collective;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two real JVMs on 127.0.0.1 meet at a rendezvous port and all-reduce; each checks every element of its result. */
class MultiProcessCollectiveTest {
    @Test
    void twoProcessesOnOneHostAllReduceExactlyThroughSharedMemory() throws Exception {
        allReduceInTwoProcesses("auto", "buffer");
    }

    /** About 10-20 s each on a loaded 2-core machine: JVM start-up and actor systems dominate. */
    @Tag("slow")
    @ParameterizedTest
    @ValueSource(strings = {"stream-tcp", "nio-tcp", "artery"})
    void twoProcessesAllReduceExactlyOverTheRing(String transport) throws Exception {
        allReduceInTwoProcesses(transport, "buffer");
    }

    @Tag("slow")
    @Test
    void twoProcessesAllReduceHeapArraysThroughSharedMemory() throws Exception {
        allReduceInTwoProcesses("auto", "array");
    }

    private void allReduceInTwoProcesses(String transport, String api) throws Exception {
        int world = 2;
        List<Process> ranks = new ArrayList<>();
        List<CompletableFuture<String>> lines = new ArrayList<>();
        String session = "mp" + UUID.randomUUID().toString().substring(0, 8);
        try (Rendezvous rv = Rendezvous.listen("127.0.0.1", 0, world)) {
            for (int r = 0; r < world; r++) {
                Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                        "-cp", System.getProperty("java.class.path"), BenchRank.class.getName(),
                        String.valueOf(r), String.valueOf(world), "127.0.0.1:" + rv.port(), transport,
                        "1000003", "2", "1", session, "65536", api)
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                ranks.add(p);
                lines.add(CompletableFuture.supplyAsync(() -> resultLine(p)));
            }
            rv.serve(Duration.ofSeconds(60));
            for (int r = 0; r < world; r++) {
                String line = lines.get(r).get(120, TimeUnit.SECONDS);
                assertNotNull(line, "rank " + r + " printed no result");
                assertTrue(ranks.get(r).waitFor(30, TimeUnit.SECONDS));
                assertEquals(0, ranks.get(r).exitValue());
                JsonNode res = new ObjectMapper().readTree(line);
                assertTrue(res.get("correct").asBoolean(), "rank " + r + ": " + line);
                assertEquals(0, res.get("bad_elements").asLong());
                assertEquals(2, res.get("seconds").size());
                assertEquals(transport.equals("auto") ? "shm" : transport, res.get("transport").asText());
            }
        } finally {
            for (Process p : ranks) {
                p.destroyForcibly();
            }
        }
    }

    private static String resultLine(Process p) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String result = null;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("RESULT ")) {
                    result = line.substring(7);
                }
            }
            return result;
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
