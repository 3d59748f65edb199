package t2t.ops.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import t2t.actors.config.JobConfig;
import t2t.protocol.UserInputException;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --resume auto} as a careful user expects it: a finished run says so and ends, the newest
 * run is found without its {@code latest} pointer, and a run whose every checkpoint is corrupt is
 * refused with their names instead of being overwritten by a fresh start.
 */
class ResumeSafetyTest {
    private static Map<String, String> flags(Path out, String... extra) {
        Map<String, String> f = new HashMap<>(Map.ofEntries(
                Map.entry("data", "synthetic:128"), Map.entry("model", "t2t_vit_7"),
                Map.entry("model-args", "embed_dim=32,depth=1,num_heads=2,mlp_ratio=2.0,soft_split=small,token_dim=16"),
                Map.entry("img-size", "32"), Map.entry("teacher", "none"), Map.entry("token-label", "false"),
                Map.entry("distillation-type", "none"), Map.entry("batch-size", "32"), Map.entry("epochs", "1"),
                Map.entry("workers", "1"), Map.entry("checkpoint-every", "2"), Map.entry("keep-checkpoints", "3"),
                Map.entry("out", out.toString())));
        for (int i = 0; i < extra.length; i += 2) {
            f.put(extra[i], extra[i + 1]);
        }
        return f;
    }

    private static Map<String, Object> train(Map<String, String> flags, ByteArrayOutputStream err) {
        // A resume that hangs is the bug this guards against: fail instead of waiting forever.
        return assertTimeoutPreemptively(Duration.ofMinutes(2), () -> new TrainingRun(JobConfig.resolve(Map.of(), flags),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run());
    }

    @Test
    void resumingAFinishedRunSaysItIsCompleteAndWritesNothing(@TempDir Path out) throws Exception {
        Map<String, Object> first = train(flags(out, "name", "done"), new ByteArrayOutputStream());
        Path summary = out.resolve("done/summary.json");
        long written = Files.getLastModifiedTime(summary).toMillis();
        String config = Files.readString(out.resolve("done/config.json"));

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, Object> again = train(flags(out, "name", "done", "resume", "auto"), err);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("is already complete"), err.toString());
        assertEquals(first.get("weights_sha256"), again.get("weights_sha256"));
        assertEquals(String.valueOf(first.get("steps")), String.valueOf(again.get("steps")));
        assertEquals(written, Files.getLastModifiedTime(summary).toMillis(), "summary.json untouched");
        assertEquals(config, Files.readString(out.resolve("done/config.json")));
    }

    @Test
    void withoutNameTheNewestRunIsFoundEvenWhenItsLatestPointerIsMissing(@TempDir Path out) throws Exception {
        Map<String, Object> first = train(flags(out, "name", "lost-pointer"), new ByteArrayOutputStream());
        Files.delete(out.resolve("lost-pointer/checkpoints/latest"));

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, Object> again = train(flags(out, "resume", "auto"), err);
        String said = err.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("continuing " + out.resolve("lost-pointer")), said);
        assertEquals(first.get("weights_sha256"), again.get("weights_sha256"));
        try (var runs = Files.list(out)) {
            assertEquals(1, runs.count(), "no new run folder was started");
        }
    }

    @Test
    void everyCheckpointCorruptIsRefusedNamingThemAndNothingIsOverwritten(@TempDir Path out) throws Exception {
        train(flags(out, "name", "broken"), new ByteArrayOutputStream());
        Path ckpts = out.resolve("broken/checkpoints");
        Path newest = ckpts.resolve("step-4/manifest.pb");
        Files.write(newest, Files.readAllBytes(newest), java.nio.file.StandardOpenOption.APPEND);
        Path older = ckpts.resolve("step-2/weights.safetensors");
        byte[] w = Files.readAllBytes(older);
        w[w.length / 2] ^= 1;
        Files.write(older, w);
        String config = Files.readString(out.resolve("broken/config.json"));
        long metrics = Files.size(out.resolve("broken/metrics.jsonl"));

        UserInputException e = assertThrows(UserInputException.class,
                () -> train(flags(out, "name", "broken", "resume", "auto"), new ByteArrayOutputStream()));
        assertTrue(e.getMessage().contains("step-4") && e.getMessage().contains("step-2"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
        assertEquals(config, Files.readString(out.resolve("broken/config.json")));
        assertEquals(metrics, Files.size(out.resolve("broken/metrics.jsonl")));
        assertTrue(Files.isDirectory(ckpts.resolve("step-4")) && Files.isDirectory(ckpts.resolve("step-2")));
    }
}
