package t2t.ops.run;

import t2t.actors.runtime.JobListener;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The progress line on stderr: epoch, a bar, loss parts, lr, img/s and ETA. Redrawn in place on
 * a terminal; on a pipe (CI logs) a plain line at each logged step instead.
 */
public final class Progress {
    private final PrintStream err;
    private final boolean tty;
    private final int epochs;
    private final long maxSteps;
    private final long startNanos = System.nanoTime();
    private long lastDraw;

    public Progress(PrintStream err, int epochs, long maxSteps) {
        this.err = err;
        this.tty = System.console() != null && System.getenv("CI") == null;
        this.epochs = epochs;
        this.maxSteps = maxSteps;
    }

    public void step(JobListener.StepMetrics m) {
        long now = System.nanoTime();
        if (tty && !m.logged() && now - lastDraw < 200_000_000L) {
            return;
        }
        if (!tty && !m.logged()) {
            return;
        }
        lastDraw = now;
        long perEpoch = Math.max(1, m.stepsPerEpoch());
        long totalSteps = maxSteps > 0 ? Math.min(maxSteps, perEpoch * epochs) : perEpoch * epochs;
        double frac = Math.min(1.0, (m.epochStep() + 1) / (double) perEpoch);
        int width = 24;
        int filled = (int) Math.round(frac * width);
        String bar = "#".repeat(filled) + ".".repeat(width - filled);
        double elapsed = (now - startNanos) / 1e9;
        double done = m.step() + 1;
        double eta = done > 0 ? elapsed / done * Math.max(0, totalSteps - done) : 0;
        String line = String.format(Locale.ROOT,
                "epoch %d/%d [%s] %d/%d  loss %.4f (cls %.4f dist %.4f dense %.4f)  lr %.2e  %.0f img/s  ETA %s",
                m.epoch() + 1, epochs, bar, m.epochStep() + 1, perEpoch, m.total(), m.base(), m.distill(), m.dense(),
                m.lr(), m.imgPerSec(), clock(eta));
        if (tty) {
            err.print("\r" + line + "\u001b[K");
        } else {
            err.println(line);
        }
        err.flush();
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
