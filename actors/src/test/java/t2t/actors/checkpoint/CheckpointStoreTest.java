package t2t.actors.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointStoreTest {
    private static CheckpointStore.Content content(long step) {
        return new CheckpointStore.Content(step, 0, "{}", "abc",
                Map.of("weights.bin", new byte[] {(byte) step, 2, 3}, "opt/shard-0.bin", new byte[] {9}));
    }

    @Test
    void writesAtomicallyKeepsTheLastKAndPointsLatestAtTheNewest(@TempDir Path dir) throws Exception {
        CheckpointStore s = new CheckpointStore(dir, 2);
        for (long step = 10; step <= 40; step += 10) {
            s.write(content(step));
        }
        assertEquals(2, s.list().size());
        assertEquals("step-41", Files.readString(dir.resolve("latest")), "named by steps trained: index 40 is the 41st");
        assertFalse(Files.exists(dir.resolve("step-21")));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".tmp")), "no temp folder left");
        }
        CheckpointStore.Loaded l = s.loadLatestValid().orElseThrow();
        assertEquals(40, l.manifest().getStep());
        assertArrayEquals(new byte[] {40, 2, 3}, l.file("weights.bin"));
    }

    @Test
    void aCorruptNewestCheckpointFallsBackToThePreviousOne(@TempDir Path dir) throws Exception {
        CheckpointStore s = new CheckpointStore(dir, 3);
        s.write(content(1));
        s.write(content(2));
        Files.write(dir.resolve("step-3/weights.bin"), new byte[] {0, 0, 0});
        assertEquals(1, s.loadLatestValid().orElseThrow().manifest().getStep());
        Files.delete(dir.resolve("step-2/" + CheckpointStore.MANIFEST));
        assertTrue(s.loadLatestValid().isEmpty());
    }

    @Test
    void foldersCountStepsTrainedAsMetricsDoAndFoldersNamedByTheOldIndexStillLoad(@TempDir Path dir) throws Exception {
        CheckpointStore s = new CheckpointStore(dir, 3);
        s.write(content(9));
        assertTrue(Files.isDirectory(dir.resolve("step-10")), "after 10 steps (index 9) the folder says 10, as metrics.jsonl");
        Files.move(dir.resolve("step-10"), dir.resolve("step-9")); // how earlier versions named it
        Files.writeString(dir.resolve("latest"), "step-9");
        assertEquals(9, s.loadLatestValid().orElseThrow().manifest().getStep());
        s.write(content(19));
        assertEquals(List.of(dir.resolve("step-20"), dir.resolve("step-9")), s.list());
    }
}
