package t2t.ops.run;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import t2t.ops.cli.Json;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A training process SIGKILLed right after its step-20 checkpoint, then resumed with
 * {@code --resume auto}, ends with the same weights as an uninterrupted run (real JVMs).
 */
@Tag("slow")
class KillAndResumeTest {
    private static final List<String> FLAGS = List.of("--data", "synthetic:2560", "--model", "t2t_vit_7",
            "--model-args", "embed_dim=64,depth=2,num_heads=2,mlp_ratio=2.0,soft_split=small,token_dim=32",
            "--img-size", "32", "--teacher", "none", "--token-label", "false", "--distillation-type", "none",
            "--drop-path", "0.1", "--batch-size", "64", "--epochs", "2", "--steps", "40", "--checkpoint-every", "10",
            "--keep-checkpoints", "5", "--seed", "11", "--log-every", "10");

    private static ProcessBuilder train(Path out, String name, String... extra) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), "t2t.ops.Main", "train"));
        cmd.addAll(FLAGS);
        cmd.addAll(List.of("--out", out.toString(), "--name", name, "--json"));
        cmd.addAll(List.of(extra));
        return new ProcessBuilder(cmd).redirectError(out.resolve(name + ".err").toFile());
    }

    private static JsonNode summary(Process p) throws Exception {
        String stdout = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "run finished");
        assertEquals(0, p.exitValue(), stdout);
        String[] lines = stdout.strip().split("\n");
        return Json.MAPPER.readTree(lines[lines.length - 1]);
    }

    @Test
    void resumedAfterSigkillEqualsUninterrupted(@TempDir Path out) throws Exception {
        JsonNode straight = summary(train(out, "straight").start());

        Process doomed = train(out, "killed").redirectOutput(new File("/dev/null")).start();
        Path step20 = out.resolve("killed/checkpoints/step-20");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!Files.isDirectory(step20) && doomed.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.isDirectory(step20), "the step-20 checkpoint was written");
        doomed.destroyForcibly(); // SIGKILL
        doomed.waitFor();
        assertTrue(Files.notExists(out.resolve("killed/summary.json")), "killed before it finished");

        JsonNode resumed = summary(train(out, "killed", "--resume", "auto").start());
        assertEquals(straight.get("weights_sha256").asText(), resumed.get("weights_sha256").asText());
        assertEquals(straight.get("samples_trained_per_epoch").toString(), resumed.get("samples_trained_per_epoch").toString());
        assertEquals(0, resumed.get("duplicate_samples").asInt());
        assertEquals(40, resumed.get("steps").asInt());
    }
}
