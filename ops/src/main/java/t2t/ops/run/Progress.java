package t2t.ops.run;

import t2t.actors.runtime.JobListener;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The progress line on stderr: epoch, a bar, the loss and the parts the objective has, lr, img/s
 * and the ETA of the whole run. Redrawn in place on a terminal; on a pipe (CI logs) a plain line at
 * each logged step instead.
 */
public final class Progress {
    /**
     * Where this run stands in the command: its role (empty for the run asked for; "teacher
     * resnet_tiny" for a teacher trained first), and the steps of the phase still to come after it (a teacher trained first is followed by the student's run), so the ETA covers
     * the whole command. Those steps are estimated at this phase's pace: in the demo a student step
     * costs about 1.2 teacher steps, and a forward-pass timing taken up front predicted 10 (per-op
     * overheads dominate such small models), so the pace measured is the better guess; once the
     * student runs, its own pace replaces it.
     */
    public record Phase(String role, long laterSteps) {
        public static final Phase ONLY = new Phase("", 0);

        /** What the run's lines start with: "teacher resnet_tiny: ", or nothing. */
        public String label() {
            return role.isEmpty() ? "" : role + ": ";
        }
    }

    /** Which loss parts the objective has: the others are always 0 and not shown. */
    public record Parts(boolean distillation, boolean dense) {}

    private final PrintStream err;
    private final boolean tty;
    private final int epochs;
    private final long maxSteps;
    private final Parts parts;
    private final Phase phase;
    private final long startNanos = System.nanoTime();
    private long firstStep = -1;
    private long lastDraw;

    public Progress(PrintStream err, int epochs, long maxSteps, Parts parts, Phase phase) {
        this(err, System.console() != null && System.getenv("CI") == null, epochs, maxSteps, parts, phase);
    }

    Progress(PrintStream err, boolean tty, int epochs, long maxSteps, Parts parts, Phase phase) {
        this.err = err;
        this.tty = tty;
        this.epochs = epochs;
        this.maxSteps = maxSteps;
        this.parts = parts;
        this.phase = phase;
    }

    public void step(JobListener.StepMetrics m) {
        long now = System.nanoTime();
        if (firstStep < 0) {
            firstStep = m.step(); // a resumed run starts past 0: its rate counts only the steps it ran
        }
        if (tty && !m.logged() && now - lastDraw < 200_000_000L) {
            return;
        }
        if (!tty && !m.logged()) {
            return;
        }
        lastDraw = now;
        err.print(tty ? "\r" + line(m, (now - startNanos) / 1e9) + "\u001b[K" : line(m, (now - startNanos) / 1e9) + "\n");
        err.flush();
    }

    String line(JobListener.StepMetrics m, double elapsed) {
        long perEpoch = Math.max(1, m.stepsPerEpoch());
        long totalSteps = maxSteps > 0 ? Math.min(maxSteps, perEpoch * epochs) : perEpoch * epochs;
        double frac = Math.min(1.0, (m.epochStep() + 1) / (double) perEpoch);
        int width = 24;
        int filled = (int) Math.round(frac * width);
        String bar = "#".repeat(filled) + ".".repeat(width - filled);
        double secondsPerStep = elapsed / (m.step() + 1 - firstStep);
        double thisPhase = secondsPerStep * Math.max(0, totalSteps - (m.step() + 1));
        double later = secondsPerStep * phase.laterSteps();
        String eta = "ETA " + clock(thisPhase + later) + (later > 0 ? " (this phase " + clock(thisPhase) + ")" : "");
        return String.format(Locale.ROOT, "%sepoch %d/%d [%s] %d/%d  loss %.4f%s  lr %.2e  %.0f img/s  %s",
                phase.label(), m.epoch() + 1, epochs, bar, m.epochStep() + 1, perEpoch, m.total(), lossParts(m),
                m.lr(), m.imgPerSec(), eta);
    }

    private String lossParts(JobListener.StepMetrics m) {
        if (!parts.distillation() && !parts.dense()) {
            return "";
        }
        return String.format(Locale.ROOT, " (cls %.4f%s%s)", m.base(),
                parts.distillation() ? String.format(Locale.ROOT, " dist %.4f", m.distill()) : "",
                parts.dense() ? String.format(Locale.ROOT, " dense %.4f", m.dense()) : "");
    }

    /** Ends the in-place line before other output. */
    public void message(String text) {
        if (tty) {
            err.print("\r\u001b[K");
        }
        err.println(text);
        err.flush();
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
