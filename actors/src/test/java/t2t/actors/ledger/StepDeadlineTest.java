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
    void beforeAnyStepIsMeasuredTheFloorIsTheDeadline() {
        StepDeadline d = new StepDeadline(Duration.ofMillis(100), 0);
        assertEquals(List.of(), d.overdue(List.of("a"), 100 * MS));
        assertEquals(List.of("a", "b"), d.overdue(List.of("a", "b"), 101 * MS));
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

    @Test
    void anEvaluationGetsItsOwnAllowanceAndTheStepsWaitStartsWhenItEnds() {
        StepDeadline d = new StepDeadline(Duration.ofMillis(100), 0);
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
        StepDeadline d = new StepDeadline(Duration.ofMillis(100), 0);
        d.restart(500 * MS);
        assertEquals(List.of(), d.overdue(List.of("a"), 600 * MS));
        assertEquals(List.of("a"), d.overdue(List.of("a"), 601 * MS));
    }

    @Test
    void aDeadlineMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new StepDeadline(Duration.ZERO, 0));
    }
}
