package t2t.actors.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.google.protobuf.InvalidProtocolBufferException;
import org.junit.jupiter.api.Assumptions;
import t2t.protocol.RunFailedException;
import t2t.protocol.UserInputException;
import t2t.protocol.wire.CheckpointManifest;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
        UserInputException e = assertThrows(UserInputException.class, s::loadLatestValid);
        assertTrue(e.getMessage().contains("step-3") && e.getMessage().contains("step-2"), e.getMessage());
    }

    @Test
    void aManifestCutAtAnyFieldBoundaryIsRejectedAndTheOlderOneUsed(@TempDir Path dir) throws Exception {
        CheckpointStore s = new CheckpointStore(dir, 3);
        s.write(content(1));
        s.write(content(2));
        Path manifest = dir.resolve("step-3/" + CheckpointStore.MANIFEST);
        byte[] whole = Files.readAllBytes(manifest);
        int boundaries = 0;
        for (int cut = 0; cut < whole.length; cut++) {
            byte[] part = Arrays.copyOf(whole, cut);
            if (!parses(part)) {
                continue;
            }
            boundaries++;
            Files.write(manifest, part);
            assertThrows(UserInputException.class, () -> CheckpointStore.load(dir.resolve("step-3")), "cut at " + cut);
            assertEquals(1, s.loadLatestValid().orElseThrow().manifest().getStep(), "cut at " + cut);
        }
        assertTrue(boundaries >= 8, "the manifest was cut between fields " + boundaries + " times");
        Files.write(manifest, whole);
        assertEquals(2, s.loadLatestValid().orElseThrow().manifest().getStep());
    }

    private static boolean parses(byte[] b) {
        try {
            CheckpointManifest.parseFrom(b);
            return true;
        } catch (InvalidProtocolBufferException e) {
            return false;
        }
    }

    @Test
    void unfinishedTempFoldersFromACrashAreRemovedAtStart(@TempDir Path dir) throws Exception {
        CheckpointStore s = new CheckpointStore(dir, 2);
        s.write(content(1));
        Files.createDirectories(dir.resolve(".tmp-step-2-123/opt"));
        Files.write(dir.resolve(".tmp-step-2-123/opt/shard-0.bin"), new byte[] {1});
        Files.write(dir.resolve(".latest.tmp"), new byte[] {1});
        assertEquals(2, s.removeUnfinished());
        try (var files = Files.list(dir)) {
            assertEquals(List.of("latest", "step-2"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(1, s.loadLatestValid().orElseThrow().manifest().getStep());
    }

    /** A real full disk: a small tmpfs (needs root to mount; skipped elsewhere). */
    @Test
    void aFullDiskNamesEnospcAndThePathRemovesTheTempFolderAndKeepsTheLastGoodCheckpoint(@TempDir Path tmp)
            throws Exception {
        Path mount = tmp.resolve("small");
        Files.createDirectories(mount);
        Assumptions.assumeTrue(SmallTmpfs.mount(mount, "256k"), "mounting a tmpfs needs root");
        try {
            CheckpointStore s = new CheckpointStore(mount.resolve("checkpoints"), 3);
            s.write(content(1));
            Map<String, byte[]> big = new LinkedHashMap<>();
            big.put("weights.bin", new byte[] {7, 2, 3});
            big.put("optimizer.bin", new byte[512 * 1024]);
            RunFailedException e = assertThrows(RunFailedException.class,
                    () -> s.write(new CheckpointStore.Content(2, 0, "{}", "abc", big)));
            assertTrue(e.getMessage().contains("No space left on device") && e.getMessage().contains("ENOSPC"),
                    e.getMessage());
            assertTrue(e.getMessage().contains(mount.resolve("checkpoints").toString()) && e.getMessage().contains("optimizer.bin"),
                    e.getMessage());
            try (var files = Files.list(mount.resolve("checkpoints"))) {
                assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".")), "no temp folder left");
            }
            assertEquals(1, s.loadLatestValid().orElseThrow().manifest().getStep());
            assertEquals("step-2", Files.readString(mount.resolve("checkpoints/latest")));
            s.write(content(3));
            assertEquals(3, s.loadLatestValid().orElseThrow().manifest().getStep(), "later checkpoints still fit");
        } finally {
            SmallTmpfs.unmount(mount);
        }
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
