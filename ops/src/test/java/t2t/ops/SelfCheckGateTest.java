package t2t.ops;

import org.junit.jupiter.api.Test;
import t2t.model.check.EngineSelfCheck;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The commands that compute refuse a broken engine with one line and exit 1. */
class SelfCheckGateTest {

    @Test
    void aFailedCheckStopsTheCommandWithOneLineNamingTheOpAndTheWorkaround() {
        StringWriter err = new StringWriter();
        EngineSelfCheck.Result broken = new EngineSelfCheck.Result(
                List.of(new EngineSelfCheck.Failure("soft split", 0.64, 0.0)), 1_000_000L);
        assertEquals(Main.EXIT_INTERNAL, Main.selfCheckGate(broken, new PrintWriter(err)));
        String out = err.toString().strip();
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.startsWith("t2t: engine self-check failed: soft split is off by 0.640"), out);
        assertTrue(out.contains("ONEDNN_MAX_CPU_ISA=AVX2"), out);
    }

    @Test
    void aPassingCheckLetsTheCommandRun() {
        StringWriter err = new StringWriter();
        assertEquals(Main.EXIT_OK, Main.selfCheckGate(new EngineSelfCheck.Result(List.of(), 1L), new PrintWriter(err)));
        assertEquals("", err.toString());
    }

    @Test
    void theCommandsThatComputeAreGated() {
        assertEquals(java.util.Set.of("train", "eval", "predict", "node"), Main.ENGINE_COMMANDS);
        for (String name : Main.ENGINE_COMMANDS) {
            assertTrue(Main.commandLine().getSubcommands().containsKey(name), name);
        }
    }
}
