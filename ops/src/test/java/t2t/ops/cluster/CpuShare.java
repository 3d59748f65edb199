package t2t.ops.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How many cores processes other than ours (not niced) kept busy over a stretch of time: the machine's busy
 * time (/proc/stat) less our processes' CPU time, per wall second. A throughput comparison between
 * two stretches means something only when the machine was not shared with much else during them.
 */
final class CpuShare {
    private final Process[] ours;
    private final long startNanos;
    private final double startMachine;
    private final double startOurs;

    private CpuShare(Process... ours) throws IOException {
        this.ours = ours;
        this.startNanos = System.nanoTime();
        this.startMachine = machineBusySeconds();
        this.startOurs = cpuSeconds(ours);
    }

    /** Starts measuring now; {@code ours} are the processes whose CPU is not "others'". */
    static CpuShare start(Process... ours) throws IOException {
        return new CpuShare(ours);
    }

    /** Cores busy with other processes since the start, on average. */
    double othersCores() throws IOException {
        double wall = (System.nanoTime() - startNanos) / 1e9;
        double others = (machineBusySeconds() - startMachine) - (cpuSeconds(ours) - startOurs);
        return Math.max(0, others / wall);
    }

    private static double cpuSeconds(Process... ps) {
        double s = 0;
        for (Process p : ps) {
            s += p.toHandle().info().totalCpuDuration().orElse(Duration.ZERO).toNanos() / 1e9;
        }
        return s;
    }

    /**
     * Busy time of all cores together (user, system, irq, softirq, steal), in seconds. Niced
     * processes' time is left out: they yield to ours (nice 10 gets about a tenth of a core that a
     * nice-0 process wants), so they do not take a core from the second worker.
     */
    private static double machineBusySeconds() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i < f.length && i <= 8; i++) {
            if (i != 2 && i != 4 && i != 5) { // nice, idle, iowait
                busy += Long.parseLong(f[i]);
            }
        }
        return busy / 100.0; // USER_HZ
    }
}
