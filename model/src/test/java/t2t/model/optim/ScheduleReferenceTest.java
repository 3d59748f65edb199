package t2t.model.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import t2t.model.testing.References;

/** The per-step cosine schedule against timm CosineLRScheduler's formula (restated in make_references.py). */
class ScheduleReferenceTest {

    private static final JsonNode REF = References.load("/objective/references.json").get("schedule");

    @Test
    void matchesTimmAtChosenSteps() {
        for (JsonNode c : REF) {
            CosineSchedule s = new CosineSchedule(c.get("base").asDouble(), c.get("warmup_lr").asDouble(),
                    c.get("min_lr").asDouble(), c.get("epochs").asDouble(), c.get("warmup_epochs").asDouble(),
                    c.get("cooldown_epochs").asDouble(), c.get("steps_per_epoch").asLong(),
                    c.get("warmup_prefix").asBoolean());
            for (int i = 0; i < c.get("steps").size(); i++) {
                long step = c.get("steps").get(i).asLong();
                double want = c.get("lrs").get(i).asDouble();
                assertEquals(want, s.lr(step), 1e-12 * Math.max(1, want), s.describe() + " at step " + step);
            }
        }
    }

    @Test
    void shapeOfTheT2tRecipe() {
        CosineSchedule s = CosineSchedule.of(5e-4, 1e-5, 300, 10, 100);
        assertEquals(1e-6, s.lr(0), 1e-15);
        assertTrue(s.lr(500) < s.lr(999), "warmup rises");
        // no warmup prefix: the cosine already ran for the warmup steps, so it resumes just below the peak
        assertTrue(s.lr(1000) < 5e-4 && s.lr(1000) > 4.9e-4);
        assertEquals(1e-5, s.lr(s.cosineSteps()), 1e-15);
        assertEquals(1e-5, s.lr(s.totalSteps() - 1), 1e-15);
        assertEquals(310 * 100, s.totalSteps());
    }

    @Test
    void deitScaling() {
        LrScaling on = new LrScaling(5e-4, 256, true);
        assertEquals(2.5e-4, on.lr(), 1e-15);
        assertTrue(on.describe().contains("256/512"), on.describe());
        assertEquals(5e-4, new LrScaling(5e-4, 256, false).lr(), 0);
    }
}
