package t2t.ops.run;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two processes that need the same uncached teacher at once (the nodes of a cluster started
 * without the cache): one trains it, the other waits and takes it from the cache. Both used to
 * train it, concurrently, into the same folder.
 */
@Tag("slow")
class SharedTeacherCacheTest {
    @Test
    void twoProcessesTrainASharedTeacherOnce(@TempDir Path dir) throws Exception {
        List<Process> runs = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), "t2t.ops.Main", "train",
                    "--data", "synthetic:128", "--model", "t2t_vit_7",
                    "--model-args", "embed_dim=32,depth=1,num_heads=2,mlp_ratio=2.0,soft_split=small,token_dim=16",
                    "--img-size", "32", "--teacher", "resnet_tiny", "--teacher-epochs", "1", "--token-label", "false",
                    "--batch-size", "32", "--epochs", "1", "--workers", "1", "--out", dir.resolve("runs").toString(),
                    "--name", name));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve(name + ".log").toFile());
            pb.environment().put("T2T_CACHE", dir.resolve("cache").toString());
            runs.add(pb.start());
        }
        for (Process p : runs) {
            assertTrue(p.waitFor(10, TimeUnit.MINUTES), "run finished");
        }
        String logs = Files.readString(dir.resolve("a.log")) + Files.readString(dir.resolve("b.log"));
        assertEquals(0, runs.get(0).exitValue(), logs);
        assertEquals(0, runs.get(1).exitValue(), logs);
        assertEquals(1, logs.lines().filter(l -> l.startsWith("t2t: training teacher resnet_tiny first")).count(), logs);
        assertEquals(1, logs.lines().filter(l -> l.startsWith("t2t: teacher resnet_tiny from the cache")).count(), logs);
        try (var entries = Files.list(dir.resolve("cache/teachers"))) {
            assertTrue(entries.noneMatch(p -> p.getFileName().toString().endsWith(".partial")), "renamed into place");
        }
    }
}
