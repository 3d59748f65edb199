package t2t.actors.engine;

import t2t.actors.LocalJob;
import t2t.actors.config.JobConfig;
import t2t.actors.runtime.JobListener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The RSS soak's child process: a small real job (tiny T2T-ViT, synthetic 32 px images with the
 * default CutMix, 2 workers, sync, an evaluation and a checkpoint snapshot every epoch) printing
 * this process's VmRSS every {@code every} steps. Run in its own JVM with a fixed, pre-touched heap,
 * so RSS moves only with native memory (engine tensors, direct buffers, threads), not heap sizing.
 */
public final class SoakMain {
    private SoakMain() {}

    public static void main(String[] args) throws Exception {
        int steps = Integer.parseInt(args[0]);
        int every = Integer.parseInt(args[1]);
        JobConfig cfg = EngineFixtures.tinyJob("embed_dim=32,depth=1,num_heads=2,mlp_ratio=2.0,soft_split=small,token_dim=16",
                Map.of("data", "synthetic:4000", "workers", "2", "batch-size", "16", "steps", Integer.toString(steps),
                        "epochs", "1000", "aggregators", "2", "seed", "11", "sync", "sync", "loaders", "2"));
        long t0 = System.nanoTime();
        JobListener listener = new JobListener() {
            @Override
            public void onStep(StepMetrics m) {
                // Mid-epoch (epochs are 250 steps): a reading never lands on an evaluation in flight.
                if ((m.step() + 1) % every == every / 2) {
                    // Unreferenced direct buffers (DJL's host copies) are freed only after a collection;
                    // collect first so a reading does not depend on when the last one happened.
                    System.gc();
                    System.out.printf(Locale.ROOT, "rss step=%d kb=%d seconds=%.1f loss=%.4f%n", m.step() + 1, rssKb(),
                            (System.nanoTime() - t0) / 1e9, m.total());
                }
            }
        };
        try (JobAssembly job = JobAssembly.prepare(cfg)) {
            JobListener.JobResult r = LocalJob.run(job.spec("soak", null, null), listener).get(30, TimeUnit.MINUTES);
            System.out.printf(Locale.ROOT, "done steps=%d seconds=%.1f%n", r.steps(), r.wallSeconds());
        }
        System.exit(0);
    }

    static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/status", e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
