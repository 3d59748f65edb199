package t2t.ops.run;

import org.junit.jupiter.api.Test;
import t2t.actors.config.JobConfig;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** A cached teacher is reused exactly when nothing that shapes its weights differs. */
class TeacherCacheKeyTest {
    private static final JobConfig BASE = JobConfig.defaults();

    private static String key(Map<String, String> overrides) {
        return TrainingRun.teacherCacheKey(BASE.with(overrides), 1);
    }

    @Test
    void everythingThatShapesTheWeightsIsInTheKey() {
        String base = key(Map.of());
        for (Map.Entry<String, String> e : Map.of("hflip", "0.5", "lr-scale", "deit", "clip-grad", "1.0",
                "warmup-lr", "1e-5", "cooldown-epochs", "2", "seed", "7", "img-size", "28", "data", "synthetic:64",
                "sync", "local:4", "scale-min", "0.5").entrySet()) {
            assertNotEquals(base, key(Map.of(e.getKey(), e.getValue())), e.getKey() + " must be part of the key");
        }
        assertNotEquals(base, TrainingRun.teacherCacheKey(BASE, 3), "input channels are part of the key");
    }

    @Test
    void whereAndHowItRunsIsNot() {
        String base = key(Map.of());
        assertEquals(base, key(Map.of("out", "/tmp/elsewhere", "name", "x", "workers", "1", "log-every", "7",
                "checkpoint-every", "3", "loaders", "5", "distillation-alpha", "0.9", "teacher-epochs", "9")));
    }
}
