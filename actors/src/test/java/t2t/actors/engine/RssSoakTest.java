package t2t.actors.engine;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 5's soak: 5,000 steps of a small real job in a child JVM ({@link SoakMain}: heap fixed and
 * pre-touched, so the resident set moves only with native memory); the RSS trend after warm-up
 * (1,000 steps) may add less than 2% over the remaining 4,000 steps. Sized to take about 3 minutes of CPU time
 * on an idle 2-core machine (about 25 ms per step for both workers).
 */
@Tag("slow")
class RssSoakTest {
    static final int STEPS = 5000;
    static final int WARMUP = 1000;
    private static final Pattern LINE = Pattern.compile("rss step=(\\d+) kb=(\\d+) .*");
    private static final Pattern DONE = Pattern.compile("done steps=(\\d+) .*");

    @Test
    void residentSetStaysFlatOverFiveThousandSteps() throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms768m", "-Xmx768m", "-XX:+AlwaysPreTouch", "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"), SoakMain.class.getName(),
                Integer.toString(STEPS), "250");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        // glibc gives each thread that mallocs its own arena (up to 8 per core); libtorch and the
        // actor threads then spread freed memory over many arenas and RSS wanders by +-3% with no
        // leak at all. Two arenas keep it flat enough that a real per-step leak stands out.
        pb.environment().put("MALLOC_ARENA_MAX", "2");
        // glibc also raises its mmap threshold as large blocks are freed (up to 32 MiB), after which
        // those blocks stay in the heap once freed: RSS then flips between two levels ~140 MB apart
        // with no growth of live memory, and more high readings late in a run read as a trend
        // (seen: 9% "drift" with the high level already reached at step 875). A fixed threshold
        // and trim threshold hand freed large blocks back at once, so RSS follows live memory.
        pb.environment().put("MALLOC_MMAP_THRESHOLD_", "131072");
        pb.environment().put("MALLOC_TRIM_THRESHOLD_", "131072");
        Process p = pb.start();
        List<long[]> rss = new ArrayList<>();
        long stepsDone = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                Matcher m = LINE.matcher(line);
                if (m.matches()) {
                    rss.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
                    System.out.println(line);
                }
                Matcher d = DONE.matcher(line);
                if (d.matches()) {
                    stepsDone = Long.parseLong(d.group(1));
                }
            }
        } catch (IOException e) {
            p.destroyForcibly();
            throw e;
        }
        assertTrue(p.waitFor(30, TimeUnit.MINUTES), "the soak job did not end");
        assertEquals(0, p.exitValue(), "the soak job failed");
        assertEquals(STEPS, stepsDone);
        // Single readings jump by up to 7% and come back (transient native allocations, malloc
        // arenas): the drift is the trend, the Theil-Sen slope (median of the pairwise slopes,
        // robust to such outliers) of the readings after warm-up, over the 4,000 remaining steps,
        // relative to the median of the first three of them.
        List<long[]> warm = rss.stream().filter(r -> r[0] >= WARMUP).toList();
        List<Double> slopes = new ArrayList<>();
        for (int i = 0; i < warm.size(); i++) {
            for (int j = i + 1; j < warm.size(); j++) {
                slopes.add((double) (warm.get(j)[1] - warm.get(i)[1]) / (warm.get(j)[0] - warm.get(i)[0]));
            }
        }
        slopes.sort(null);
        double slope = slopes.get(slopes.size() / 2);
        long base = median(warm.subList(0, 3));
        double drift = slope * (STEPS - WARMUP) / base;
        System.out.printf("RSS after %d steps %d kB, trend %.1f kB per 1,000 steps: drift over %d steps %.2f%%%n",
                WARMUP, base, slope * 1000, STEPS - WARMUP, 100 * drift);
        assertTrue(drift < 0.02, "RSS drift " + 100 * drift + "% (" + base + " kB + " + slope * 1000
                + " kB per 1,000 steps)");
    }

    private static long median(List<long[]> readings) {
        long[] kb = readings.stream().mapToLong(r -> r[1]).sorted().toArray();
        return kb[kb.length / 2];
    }
}
