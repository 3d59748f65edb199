package t2t.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import t2t.protocol.UserInputException;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Starts real rank JVMs (on this test's classpath) for a small vector and reads the contract's JSON fields. */
class BenchAllreduceCommandTest {

    private static CommandLine command() {
        CommandLine cl = new CommandLine(new BenchAllreduceCommand());
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> ex instanceof UserInputException ? 2 : 1);
        return cl;
    }

    @Test
    void jsonHasTheContractFieldsAndTheResultIsChecked() throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = command().execute("--nodes", "2", "--elements", "100003", "--iters", "3", "--warmup", "1",
                    "--gloo-gbps", "1.2", "--json");
        } finally {
            System.setOut(saved);
        }
        assertEquals(0, code);
        String[] lines = captured.toString(StandardCharsets.UTF_8).strip().split("\n");
        JsonNode json = Json.MAPPER.readTree(lines[lines.length - 1]);
        assertEquals(2, json.get("nodes").asInt());
        assertEquals(100003, json.get("elements").asInt());
        assertEquals("shm", json.get("transport").asText());
        assertTrue(json.get("correct").asBoolean());
        double algbw = json.get("algbw_gbps").asDouble();
        assertTrue(algbw > 0);
        // Two ranks: busbw = algbw x 2(n-1)/n = algbw.
        assertEquals(algbw, json.get("busbw_gbps").asDouble(), 1e-3);
        assertEquals(100003 * 4 / json.get("median_s").asDouble() / 1e9, algbw, 0.02 * algbw + 1e-3);
        assertEquals(json.get("busbw_gbps").asDouble() / 1.2, json.get("ratio_vs_gloo").asDouble(), 1e-3);
    }

    @Test
    void badFlagsAreUserErrors() {
        assertEquals(2, command().execute("--nodes", "1"));
        assertEquals(2, command().execute("--transport", "carrier-pigeon"));
        assertEquals(2, command().execute("--api", "pointer"));
        assertEquals(2, command().execute("--chunk-floats", "300000"));
    }
}
