package t2t.ops.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import t2t.actors.LocalJob;
import t2t.actors.config.JobConfig;
import t2t.actors.engine.JobAssembly;
import t2t.actors.runtime.JobListener;
import t2t.actors.runtime.StudentCompute;
import t2t.actors.runtime.TrainBatch;
import t2t.protocol.UserInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code t2t bench pipeline}: the whole job (loaders, teacher, workers, aggregators) against the
 * workers' step alone (each worker thread stepping on a batch already in memory, all at once).
 * Efficiency near 1 means loading, teaching and communication hide behind compute.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "End-to-end training img/s against step-only img/s on the same configuration "
                + "(default: the demo without its teacher; every train flag applies).")
public final class BenchPipelineCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "run configuration file, as for train")
    Path config;

    @Option(names = "--timed-steps", defaultValue = "60", description = "steps timed in each mode (default ${DEFAULT-VALUE})")
    int timedSteps;

    @Option(names = "--warmup-steps", defaultValue = "10", description = "untimed steps first (default ${DEFAULT-VALUE})")
    int warmupSteps;

    @Option(names = "--json", description = "print one JSON object as the last stdout line")
    boolean json;

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new BenchPipelineCommand());
        JobOptions.addTo(cl.getCommandSpec());
        return cl;
    }

    @Override
    public Integer call() throws Exception {
        if (timedSteps < 1 || warmupSteps < 1) {
            throw new UserInputException("--timed-steps and --warmup-steps must be >= 1");
        }
        Map<String, String> flags = new LinkedHashMap<>(Map.of("teacher", "none", "token-label", "false",
                "distillation-type", "none"));
        flags.putAll(JobOptions.givenFlags(spec));
        int total = warmupSteps + timedSteps;
        Path out = Files.createTempDirectory("t2t-bench-pipeline");
        flags.put("steps", Integer.toString(total));
        flags.put("out", out.toString());
        flags.put("name", "bench");
        flags.put("log-every", "1000000");
        flags.putIfAbsent("epochs", "1000");
        JobConfig cfg = JobOptions.resolve(config, flags);
        if (!"none".equals(cfg.get(JobConfig.TEACHER))) {
            throw new UserInputException("bench pipeline times the student pipeline: give --teacher none "
                    + "(a teacher file is timed by ./t2t train on its own)");
        }
        try (JobAssembly job = JobAssembly.prepare(cfg)) {
            double stepOnly = stepOnly(job, cfg);
            log("step only: %.1f img/s (%d workers stepping at once on batches in memory)", stepOnly,
                    cfg.get(JobConfig.WORKERS));
            double endToEnd = endToEnd(job, cfg);
            log("end to end: %.1f img/s (loaders, workers and aggregators as in training)", endToEnd);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", cfg.get(JobConfig.MODEL));
            r.put("workers", cfg.get(JobConfig.WORKERS));
            r.put("batch", cfg.get(JobConfig.BATCH_SIZE));
            r.put("end_to_end_img_per_s", endToEnd);
            r.put("step_only_img_per_s", stepOnly);
            r.put("efficiency", endToEnd / stepOnly);
            if (json) {
                Json.print(r);
            } else {
                System.out.printf(Locale.ROOT, "end to end %.1f img/s, step only %.1f img/s, efficiency %.3f%n",
                        endToEnd, stepOnly, endToEnd / stepOnly);
            }
        }
        return 0;
    }

    private double stepOnly(JobAssembly job, JobConfig cfg) throws Exception {
        int workers = cfg.get(JobConfig.WORKERS);
        int perWorker = cfg.get(JobConfig.BATCH_SIZE) / workers;
        List<CompletableFuture<Double>> runs = new ArrayList<>();
        List<StudentCompute> students = new ArrayList<>();
        List<TrainBatch> batches = new ArrayList<>();
        // One thread per worker: the common pool has cores - 1 threads, so with as many workers as
        // cores (3 or more) one worker would wait for another and step-only would be overstated.
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        for (int w = 0; w < workers; w++) {
            students.add(job.newStudent());
            long[] ids = new long[perWorker];
            for (int i = 0; i < perWorker; i++) {
                ids[i] = (long) w * perWorker + i;
            }
            batches.add(job.batches().make(0, 0, w, ids, new int[perWorker]));
        }
        for (int w = 0; w < workers; w++) {
            StudentCompute s = students.get(w);
            TrainBatch b = batches.get(w);
            runs.add(CompletableFuture.supplyAsync(() -> {
                float[] grad = new float[s.numParams()];
                for (int i = 0; i < warmupSteps; i++) {
                    s.trainStep(b, i, grad);
                }
                long t0 = System.nanoTime();
                for (int i = 0; i < timedSteps; i++) {
                    s.trainStep(b, i, grad);
                }
                return (System.nanoTime() - t0) / 1e9;
            }, pool));
        }
        double slowest = 0;
        try {
            for (CompletableFuture<Double> f : runs) {
                slowest = Math.max(slowest, f.get());
            }
        } finally {
            pool.shutdown();
            students.forEach(StudentCompute::close);
        }
        return (double) perWorker * workers * timedSteps / slowest;
    }

    private double endToEnd(JobAssembly job, JobConfig cfg) throws Exception {
        long[] marks = new long[2];
        long[] samples = new long[1];
        JobListener timer = new JobListener() {
            @Override
            public void onStep(StepMetrics m) {
                if (m.step() == warmupSteps - 1) {
                    marks[0] = System.nanoTime();
                } else if (m.step() >= warmupSteps) {
                    samples[0] += m.samples();
                    marks[1] = System.nanoTime();
                }
            }
        };
        LocalJob.run(job.spec("bench", null, null), timer).get();
        return samples[0] / ((marks[1] - marks[0]) / 1e9);
    }

    private static void log(String fmt, Object... args) {
        System.err.println(String.format(Locale.ROOT, fmt, args));
    }
}
