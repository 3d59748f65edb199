package t2t.ops.run;

import org.junit.jupiter.api.Test;
import t2t.actors.runtime.JobListener;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The progress line: only the loss parts the objective has, and an ETA for the whole command. */
class ProgressTest {
    /** Step {@code step} (0-based) of 10 per epoch, loss parts 1 / 0.5 / 0.25, 100 img/s. */
    private static JobListener.StepMetrics step(long step) {
        return new JobListener.StepMetrics(step, step / 10, step % 10, 10, 1e-3, 1.75, 1.0, 0.5, 0.25, 32, 100,
                100, 90, true);
    }

    @Test
    void aTeachersLinesShowItsLossAloneAndAnEtaThatIncludesTheStudent() {
        // 10 of 40 steps in 10 s: 30 s left of this phase, then 200 student steps at this pace.
        Progress p = new Progress(new PrintStream(new ByteArrayOutputStream()), false, 4, 0,
                new Progress.Parts(false, false), new Progress.Phase("teacher resnet_tiny", 200));
        p.step(step(0));
        assertEquals("teacher resnet_tiny: epoch 1/4 [########################] 10/10  loss 1.7500  lr 1.00e-03"
                + "  100 img/s  ETA 3:50 (this phase 0:30)", p.line(step(9), 10.0));
    }

    @Test
    void aStudentsLinesShowTheObjectivesParts() {
        Progress p = new Progress(new PrintStream(new ByteArrayOutputStream()), false, 4, 0,
                new Progress.Parts(true, true), Progress.Phase.ONLY);
        p.step(step(0));
        assertEquals("epoch 1/4 [############............] 5/10  loss 1.7500 (cls 1.0000 dist 0.5000 dense 0.2500)"
                + "  lr 1.00e-03  100 img/s  ETA 0:35", p.line(step(4), 5.0));
        Progress noTeacher = new Progress(new PrintStream(new ByteArrayOutputStream()), false, 4, 0,
                new Progress.Parts(false, true), Progress.Phase.ONLY);
        noTeacher.step(step(0));
        assertEquals("epoch 1/4 [############............] 5/10  loss 1.7500 (cls 1.0000 dense 0.2500)"
                + "  lr 1.00e-03  100 img/s  ETA 0:35", noTeacher.line(step(4), 5.0));
    }
}
