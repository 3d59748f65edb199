package t2t.ops.cli;

import org.junit.jupiter.api.Test;
import t2t.ops.Main;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelsCommandTest {
    @Test
    void jsonListsEveryVariantWithCounts() throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            assertEquals(0, Main.commandLine().execute("models", "--json"));
        } finally {
            System.setOut(old);
        }
        String[] lines = buf.toString().strip().split("\n");
        var node = Json.MAPPER.readTree(lines[lines.length - 1]);
        assertEquals(14, node.get("models").size(), "11 official T2T-ViT variants and 3 CNN teachers");
        var first = node.get("models").get(0);
        assertEquals("t2t_vit_7", first.get("name").asText());
        assertEquals(4_310_222, first.get("params").asLong());
        assertEquals(4_255_694, first.get("params_trainable").asLong());
        assertTrue(Math.abs(first.get("gmacs").asDouble() - 1.15) < 0.01);
    }
}
