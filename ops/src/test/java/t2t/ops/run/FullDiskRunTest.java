package t2t.ops.run;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import t2t.actors.checkpoint.CheckpointStore;
import t2t.actors.config.JobConfig;
import t2t.protocol.RunFailedException;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run folder on a disk that fills up: the first checkpoint fits, the second does not. The run
 * stops at once with one line naming ENOSPC and the path (it used to train on without checkpoints
 * and die on summary.json), removes its temp folder, and the first checkpoint stays valid.
 */
class FullDiskRunTest {
    @Test
    void aRunThatCannotCheckpointStopsWithOneLineAndKeepsTheLastGoodCheckpoint(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("small");
        Files.createDirectories(out);
        // One checkpoint of this model is about 310 KB: room for one, not two.
        Assumptions.assumeTrue(SmallTmpfs.mount(out, "560k"), "mounting a tmpfs needs root");
        try {
            JobConfig cfg = JobConfig.resolve(Map.of(), Map.ofEntries(
                    Map.entry("data", "synthetic:128"), Map.entry("model", "t2t_vit_7"),
                    Map.entry("model-args", "embed_dim=32,depth=1,num_heads=2,mlp_ratio=2.0,soft_split=small,token_dim=16"),
                    Map.entry("img-size", "32"), Map.entry("teacher", "none"), Map.entry("token-label", "false"),
                    Map.entry("distillation-type", "none"), Map.entry("batch-size", "32"), Map.entry("epochs", "2"),
                    Map.entry("workers", "1"), Map.entry("checkpoint-every", "2"), Map.entry("keep-checkpoints", "3"),
                    Map.entry("out", out.toString()), Map.entry("name", "full")));
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            RunFailedException e = assertTimeoutPreemptively(Duration.ofMinutes(2), () -> assertThrows(
                    RunFailedException.class, () -> new TrainingRun(cfg, new PrintStream(err, true, StandardCharsets.UTF_8)).run()));
            Path ckpts = out.resolve("full/checkpoints");
            assertTrue(e.getMessage().contains("No space left on device (ENOSPC)") && e.getMessage().contains(ckpts.toString())
                    && e.getMessage().contains("step 3"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line");
            assertFalse(Files.exists(out.resolve("full/summary.json")), "stopped at the failed checkpoint");
            try (var files = Files.list(ckpts)) {
                assertEquals(java.util.List.of("latest", "step-2"),
                        files.map(p -> p.getFileName().toString()).sorted().toList(), "temp folder removed");
            }
            assertEquals(1, CheckpointStore.load(ckpts.resolve("step-2")).manifest().getStep());
        } finally {
            SmallTmpfs.unmount(out);
        }
    }
}
