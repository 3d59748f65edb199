package t2t.ops.run;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import t2t.actors.LocalJob;
import t2t.actors.config.JobConfig;
import t2t.actors.engine.JobAssembly;
import t2t.actors.runtime.JobListener;
import t2t.model.check.CpuInfo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo's student must learn: 200 steps of batch 64 on Fashion-MNIST (no teacher, so only the
 * student's own arithmetic is tested) bring the class loss well under chance. A model that
 * computes the wrong thing on this CPU (the AVX-512 soft split of the first round: the demo then
 * ended at 17% top-1) stays near ln(10) = 2.30 and fails here, in the default suite, on whatever
 * machine runs it.
 *
 * <p>Threshold: a healthy run starts at 2.33 (mean of the first 10 steps) and ends these 200 steps
 * at 0.93 (mean of the last 40; Intel Sapphire Rapids, AVX-512, seed 42); the broken model's class
 * loss stayed near 2 (its demo was at 10-33% top-1 after each epoch). 1.5 lies between with room
 * on both sides for other CPUs' rounding.
 */
class LearningSmokeTest {
    private static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
    private static final int STEPS = 200;
    private static final double THRESHOLD = 1.5;

    @Test
    void theDemoStudentLearnsFashionMnistInAFewHundredSteps() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DATA),
                "Debian's dataset-fashion-mnist is not installed (.ci/run installs it): skipped");
        JobConfig cfg = JobConfig.resolve(Map.of(), Map.ofEntries(
                Map.entry("teacher", "none"), Map.entry("token-label", "false"),
                Map.entry("distillation-type", "none"), Map.entry("workers", "1"), Map.entry("batch-size", "64"),
                Map.entry("epochs", "1"), Map.entry("steps", Integer.toString(STEPS)),
                Map.entry("warmup-epochs", "0.03"), Map.entry("seed", "42")));
        List<Double> losses = Collections.synchronizedList(new ArrayList<>());
        try (JobAssembly job = JobAssembly.prepare(cfg)) {
            JobListener.JobResult r = LocalJob.run(job.spec("learning-smoke", null, null), new JobListener() {
                @Override
                public void onStep(StepMetrics m) {
                    losses.add(m.base());
                }
            }).get(30, TimeUnit.MINUTES);
            assertEquals(STEPS, r.steps());
        }
        assertEquals(STEPS, losses.size());
        double first = mean(losses.subList(0, 10));
        double last = mean(losses.subList(STEPS - 40, STEPS));
        assertTrue(first > 2.0, "the first steps start near chance (ln 10 = 2.30): " + first);
        assertTrue(last < THRESHOLD, "mean class loss of the last 40 of " + STEPS + " steps is " + last
                + " (healthy: 0.93; threshold " + THRESHOLD + ") on " + CpuInfo.read());
        System.out.printf("learning smoke: first 10 steps %.4f, last 40 steps %.4f on %s%n", first, last, CpuInfo.read());
    }

    private static double mean(List<Double> xs) {
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return s / xs.size();
    }
}
