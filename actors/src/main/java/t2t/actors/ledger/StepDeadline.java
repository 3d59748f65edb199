package t2t.actors.ledger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * When a step has waited too long on a worker (liveness: a step never waits forever). The oldest
 * uncommitted step's clock starts when it becomes the oldest (the step before it committed), or
 * again when the coordinator itself was busy (a checkpoint written) or the membership changed. A
 * worker the step still awaits after the deadline is overdue, and the coordinator declares it lost.
 *
 * <p>The deadline is {@value #FACTOR} times the longest of the last {@value #WINDOW} measured
 * steps, and never less than the floor (the {@code step-deadline} setting). Until a first step is
 * measured (start-up: engine warm-up, first batches) it is {@value #EVAL_FLOOR_FACTOR} floors. A
 * worker evaluating after an epoch's last step is given its own allowance: {@value #FACTOR} times
 * its last evaluation, and never less than {@value #EVAL_FLOOR_FACTOR} floors. Times are
 * nanoseconds from the caller's clock.
 */
public final class StepDeadline {
    public static final Duration DEFAULT_FLOOR = Duration.ofSeconds(30);
    public static final double FACTOR = 5.0;
    public static final int WINDOW = 8;
    public static final int EVAL_FLOOR_FACTOR = 20;

    private final long floorNanos;
    private final long[] recent = new long[WINDOW];
    private int measured;
    private long waitingSince;
    private String evaluating;
    private long evaluatingSince;
    private long lastEvalNanos;

    public StepDeadline(Duration floor, long nowNanos) {
        if (floor.isNegative() || floor.isZero()) {
            throw new IllegalArgumentException("the step deadline must be positive, got " + floor);
        }
        this.floorNanos = floor.toNanos();
        this.waitingSince = nowNanos;
    }

    /** The oldest step's wait starts again now. */
    public void restart(long nowNanos) {
        waitingSince = nowNanos;
    }

    /** A step committed because its workers delivered: its wait is a measured step time, and the next one's wait starts. */
    public void stepCommitted(long nowNanos) {
        recent[measured++ % WINDOW] = nowNanos - waitingSince;
        waitingSince = nowNanos;
    }

    /** {@code worker} evaluates the model now; the step after waits on it meanwhile. */
    public void evaluating(String worker, long nowNanos) {
        evaluating = worker;
        evaluatingSince = nowNanos;
    }

    /** {@code worker}'s evaluation ended: the step's wait on it starts now. */
    public void evaluated(String worker, long nowNanos) {
        if (worker.equals(evaluating)) {
            lastEvalNanos = nowNanos - evaluatingSince;
            evaluating = null;
            waitingSince = Math.max(waitingSince, nowNanos);
        }
    }

    /** The current step deadline in nanoseconds. */
    public long deadlineNanos() {
        if (measured == 0) {
            return EVAL_FLOOR_FACTOR * floorNanos;
        }
        long longest = 0;
        for (int i = 0; i < Math.min(measured, WINDOW); i++) {
            longest = Math.max(longest, recent[i]);
        }
        return Math.max(floorNanos, (long) (FACTOR * longest));
    }

    /** The allowance of an evaluation in nanoseconds. */
    public long evalDeadlineNanos() {
        return Math.max(EVAL_FLOOR_FACTOR * floorNanos, (long) (FACTOR * lastEvalNanos));
    }

    /** Of the workers the oldest step awaits, those past their deadline at {@code nowNanos}. */
    public List<String> overdue(List<String> awaited, long nowNanos) {
        List<String> late = new ArrayList<>();
        for (String w : awaited) {
            boolean overdue = w.equals(evaluating)
                    ? nowNanos - evaluatingSince > evalDeadlineNanos()
                    : nowNanos - waitingSince > deadlineNanos();
            if (overdue) {
                late.add(w);
            }
        }
        return late;
    }

    /** The worker evaluating now, or null. */
    public String evaluating() {
        return evaluating;
    }
}
