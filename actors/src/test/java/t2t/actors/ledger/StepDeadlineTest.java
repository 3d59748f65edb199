package t2t.actors.ledger;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The step deadline on an injected clock (nanoseconds passed in): its floor, its measured part, evaluations. */
class StepDeadlineTest {
    private static final long MS = 1_000_000L;

    @Test
    void startUpGetsTwentyFloorsThenFastStepsTheFloor() {
        StepDeadline d = new StepDeadline(Duration.ofMillis(100), 0);
        assertEquals(List.of(), d.overdue(List.of("a"), 2000 * MS));
        assertEquals(List.of("a", "b"), d.overdue(List.of("a", "b"), 2001 * MS));
        d.stepCommitted(2001 * MS);
        d.stepCommitted(2002 * MS);
        assertEquals(5 * 2001 * MS, d.deadlineNanos());
        for (int i = 0; i < 8; i++) {
            d.stepCommitted((2003 + i) * MS);
        }
        assertEquals(List.of(), d.overdue(List.of("a"), 2110 * MS));
        assertEquals(List.of("a"), d.overdue(List.of("a"), 2111 * MS));
    }

    @Test
    void slowStepsRaiseTheDeadlineToFiveTimesTheSlowestOfTheLastEight() {
        StepDeadline d = new StepDeadline(Duration.ofMillis(100), 0);
        long t = 0;
        t += 300 * MS;
        d.stepCommitted(t);
        for (int i = 0; i < 7; i++) {
            t += 10 * MS;
            d.stepCommitted(t);
        }
        assertEquals(1500 * MS, d.deadlineNanos());
        assertEquals(List.of(), d.overdue(List.of("a"), t + 1500 * MS));
        assertEquals(List.of("a"), d.overdue(List.of("a"), t + 1501 * MS));
        // The slow step leaves the window after eight more: back to the floor (5 x 10 ms < 100 ms).
        t += 10 * MS;
        d.stepCommitted(t);
        assertEquals(100 * MS, d.deadlineNanos());
    }

    /** A deadline past start-up: one fast step measured at time 0. */
    private static StepDeadline measured() {
        StepDeadline d = new StepDeadline(Duration.ofMillis(100), -MS);
        d.stepCommitted(0);
        return d;
    }

    @Test
    void anEvaluationGetsItsOwnAllowanceAndTheStepsWaitStartsWhenItEnds() {
        StepDeadline d = measured();
        d.evaluating("a", 0);
        assertEquals(List.of("b"), d.overdue(List.of("a", "b"), 1000 * MS));
        assertEquals(List.of(), d.overdue(List.of("a"), 2000 * MS));
        assertEquals(List.of("a"), d.overdue(List.of("a"), 2001 * MS));
        d.evaluated("a", 1500 * MS);
        assertEquals(List.of(), d.overdue(List.of("a"), 1600 * MS));
        assertEquals(List.of("a"), d.overdue(List.of("a"), 1601 * MS));
        assertEquals(7500 * MS, d.evalDeadlineNanos());
    }

    @Test
    void aRestartGivesTheStepAFullDeadline() {
        StepDeadline d = measured();
        d.restart(500 * MS);
        assertEquals(List.of(), d.overdue(List.of("a"), 600 * MS));
        assertEquals(List.of("a"), d.overdue(List.of("a"), 601 * MS));
    }

    @Test
    void aDeadlineMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new StepDeadline(Duration.ZERO, 0));
    }
}
