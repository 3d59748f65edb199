package t2t.ops.cli;

import org.junit.jupiter.api.Test;
import t2t.actors.config.JobConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped recipes resolve through the same path as {@code ./t2t train --config FILE}. */
class RecipeFilesTest {
    private static final Path RECIPES = Path.of("recipes"); // surefire runs in the module folder

    @Test
    void everyRecipeResolvesWithKnownKeysAndValidValues() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(RECIPES)) {
            files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no recipes under " + RECIPES.toAbsolutePath());
        for (Path f : files) {
            JobConfig c = JobOptions.resolve(f, Map.of()); // unknown keys or bad values throw, naming the key
            assertTrue(JobOptions.readFile(f).size() > 5, f + " sets almost nothing");
            assertTrue(c.get(JobConfig.EPOCHS) > 0, f.toString());
        }
    }

    @Test
    void the94RecipeIsTheDemoMadeLonger() {
        Path f = RECIPES.resolve("fashion-mnist-94.conf");
        JobConfig c = JobOptions.resolve(f, Map.of());
        JobConfig demo = JobConfig.defaults();
        assertEquals(demo.get(JobConfig.DATA), c.get(JobConfig.DATA));
        assertEquals("resnet_tiny", c.get(JobConfig.TEACHER));
        assertTrue(c.get(JobConfig.TOKEN_LABEL));
        assertFalse("none".equals(c.get(JobConfig.DISTILLATION_TYPE)));
        assertTrue(c.get(JobConfig.EPOCHS) > demo.get(JobConfig.EPOCHS));
        assertTrue(c.get(JobConfig.TEACHER_EPOCHS) > demo.get(JobConfig.TEACHER_EPOCHS));
        assertEquals(2, c.get(JobConfig.WORKERS));
        // a flag still overrides the file, as for every config
        assertEquals(5, JobOptions.resolve(f, Map.of("epochs", "5")).get(JobConfig.EPOCHS));
    }
}
