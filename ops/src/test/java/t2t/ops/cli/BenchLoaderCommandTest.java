package t2t.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchLoaderCommandTest {

    private static String run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new BenchLoaderCommand()).execute(args);
            assertEquals(0, code);
        } finally {
            System.setOut(saved);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void jsonHasTheContractFields() throws Exception {
        String out = run("--images", "12", "--passes", "1", "--threads", "2", "--json");
        String[] lines = out.strip().split("\n");
        JsonNode json = Json.MAPPER.readTree(lines[lines.length - 1]);
        assertEquals(2, json.get("threads").asInt());
        assertTrue(json.get("decode_img_per_s").asDouble() > 0);
        assertTrue(json.get("train_transform_img_per_s").asDouble() > 0);
        assertTrue(json.get("train_transform_img_per_s").asDouble() <= json.get("decode_img_per_s").asDouble() * 1.5,
                "decode + transform is not much faster than decode alone");
        assertEquals(12, json.get("images").asInt());
    }

    @Test
    void missingFolderIsAUserError(@TempDir Path dir) {
        CommandLine cl = new CommandLine(new BenchLoaderCommand());
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> ex instanceof t2t.protocol.UserInputException ? 2 : 1);
        assertEquals(2, cl.execute("--data", dir.resolve("none").toString(), "--images", "2"));
    }
}
