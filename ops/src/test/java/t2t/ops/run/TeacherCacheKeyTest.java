package t2t.ops.run;

import org.junit.jupiter.api.Test;
import t2t.actors.config.ConfigKey;
import t2t.actors.config.JobConfig;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.util.Map.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cached teacher is reused exactly when nothing that shapes its weights differs. Every config key
 * is classified here, so whoever adds one must decide which side it is on: a key that shapes the
 * teacher goes into {@link #SHAPES_THE_TEACHER}; one that cannot change its weights goes into
 * {@code TrainingRun.NOT_IN_TEACHER_KEY} (which says why for each) and {@link #DOES_NOT_SHAPE_IT}.
 * Each comes with a valid value other than its default, which the test sets to see the key move or not.
 */
class TeacherCacheKeyTest {
    private static final JobConfig BASE = JobConfig.defaults();

    /** Keys whose value can change a teacher's trained weights, each with a value other than its default. */
    private static final Map<String, String> SHAPES_THE_TEACHER = Map.ofEntries(
            // The network and its input.
            entry("model", "resnet_small"), entry("model-args", ""), entry("img-size", "28"), entry("drop-path", "0.1"),
            // The data and its augmentation.
            entry("data", "synthetic:64"), entry("scale-min", "0.5"), entry("pad-crop", "2"), entry("hflip", "0.5"),
            entry("color-jitter", "0.4"), entry("aa", "rand-m9-mstd0.5-inc1"), entry("reprob", "0.25"),
            entry("mixup", "0.8"), entry("cutmix", "1.0"), entry("mixup-prob", "0.5"),
            entry("mixup-switch-prob", "0.3"), entry("mixup-mode", "pair"), entry("smoothing", "0.0"),
            entry("repeated-aug", "true"),
            // The objective: a teacher's own run sets these to none, but a run that had them would differ.
            entry("teacher", "/runs/another-teacher"), entry("distillation-type", "hard"), entry("token-label", "false"),
            // The schedule and optimizer.
            entry("epochs", "7"), entry("steps", "100"), entry("batch-size", "64"), entry("lr", "2e-3"),
            entry("lr-scale", "deit"), entry("min-lr", "1e-6"), entry("warmup-lr", "1e-5"), entry("warmup-epochs", "1"),
            entry("cooldown-epochs", "2"), entry("weight-decay", "0.1"), entry("clip-grad", "1.0"),
            entry("model-ema", "true"), entry("model-ema-decay", "0.999"),
            // Randomness, and the synchronisation rule (stale and local steps give other weights than sync).
            entry("seed", "7"), entry("sync", "local:4"),
            // Bit-identical gradients (StagedBackwardTest), but kept in the key: taking it out would change
            // every key and so retrain every cached teacher once.
            entry("staged-backward", "true"));

    /** The keys of {@code TrainingRun.NOT_IN_TEACHER_KEY}, each with a value other than its default. */
    private static final Map<String, String> DOES_NOT_SHAPE_IT = Map.ofEntries(
            entry("out", "/tmp/elsewhere"), entry("name", "x"), entry("resume", "auto"), entry("log-every", "7"),
            entry("checkpoint-every", "3"), entry("keep-checkpoints", "1"), entry("cluster", "127.0.0.1:2552"),
            entry("loaders", "5"), entry("workers", "1"), entry("threads-per-worker", "1"), entry("aggregators", "3"),
            entry("teacher-epochs", "9"), entry("distillation-alpha", "0.9"), entry("distillation-tau", "2.0"),
            entry("dense-weight", "0.5"), entry("cls-weight", "0.5"), entry("step-deadline", "60"));

    private static String key(Map<String, String> overrides) {
        return TrainingRun.teacherCacheKey(BASE.with(overrides), 1);
    }

    /** A test value equal to the default would prove nothing either way. */
    private static void assertNotDefault(String k, String v) {
        assertNotEquals(BASE.asRawMap().get(k), BASE.with(Map.of(k, v)).asRawMap().get(k), k + ": not its default");
    }

    @Test
    void everyConfigKeyIsClassifiedOnce() {
        List<String> unclassified = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ConfigKey<?> k : JobConfig.keys()) {
            names.add(k.name());
            boolean shapes = SHAPES_THE_TEACHER.containsKey(k.name());
            boolean not = DOES_NOT_SHAPE_IT.containsKey(k.name());
            assertTrue(!(shapes && not), k.name() + " is on both sides");
            if (!shapes && !not) {
                unclassified.add(k.name());
            }
        }
        assertEquals(List.of(), unclassified, "config keys to classify: add each to SHAPES_THE_TEACHER, or to "
                + "TrainingRun.NOT_IN_TEACHER_KEY (saying why) and DOES_NOT_SHAPE_IT");
        Set<String> stale = new HashSet<>(SHAPES_THE_TEACHER.keySet());
        stale.addAll(DOES_NOT_SHAPE_IT.keySet());
        stale.removeAll(names);
        assertEquals(Set.of(), stale, "no longer config keys");
        assertEquals(TrainingRun.NOT_IN_TEACHER_KEY, DOES_NOT_SHAPE_IT.keySet());
    }

    @Test
    void everyKeyThatShapesTheWeightsIsInTheCacheKey() {
        String base = key(Map.of());
        SHAPES_THE_TEACHER.forEach((k, v) -> {
            assertNotDefault(k, v);
            assertNotEquals(base, key(Map.of(k, v)), k + " must be part of the key");
        });
        assertNotEquals(base, TrainingRun.teacherCacheKey(BASE, 3), "input channels are part of the key");
    }

    @Test
    void noKeyThatCannotChangeTheWeightsIs() {
        String base = key(Map.of());
        DOES_NOT_SHAPE_IT.forEach((k, v) -> {
            assertNotDefault(k, v);
            assertEquals(base, key(Map.of(k, v)), k + " must not be part of the key");
        });
        assertEquals(base, key(DOES_NOT_SHAPE_IT), "all of them at once");
    }
}
