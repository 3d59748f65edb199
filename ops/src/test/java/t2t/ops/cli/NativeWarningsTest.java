package t2t.ops.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import t2t.ops.Main;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * libtorch writes its warnings to the process's stderr itself, past System.err, and ignores
 * TORCH_CPP_LOG_LEVEL unless Python initialised its logging: only a process of its own shows
 * whether a command prints one. Loading a checkpoint's weights (eval, a checkpoint teacher) used
 * DJL's set(Buffer), whose AutoNonVariableTypeMode printed a deprecation warning in every run.
 */
@Tag("slow")
class NativeWarningsTest {
    @Test
    void loadingACheckpointPrintsNoLibtorchWarning(@TempDir Path dir) throws Exception {
        PrintStream saved = System.err;
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.commandLine().execute("train", "--data", "synthetic:32", "--model-args",
                    "embed_dim=16,depth=1,num_heads=2,mlp_ratio=1.0,token_dim=8", "--teacher", "none", "--token-label",
                    "false", "--distillation-type", "none", "--epochs", "1", "--batch-size", "16", "--workers", "1",
                    "--out", dir.toString(), "--name", "r"));
        } finally {
            System.setErr(saved);
        }
        Path err = dir.resolve("eval.err");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Xss4m", "-cp", System.getProperty("java.class.path"), "t2t.ops.Main",
                "eval", "--checkpoint", dir.resolve("r").toString())
                .redirectError(err.toFile()).redirectOutput(dir.resolve("eval.out").toFile()).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "eval finished");
        String stderr = Files.readString(err);
        assertEquals(0, p.exitValue(), stderr);
        List<String> warnings = stderr.lines().filter(l -> l.contains("Warning") || l.contains("deprecated")).toList();
        assertTrue(warnings.isEmpty(), String.join("\n", warnings));
        assertFalse(Files.readString(dir.resolve("eval.out")).isBlank(), "eval printed its figures");
    }
}
