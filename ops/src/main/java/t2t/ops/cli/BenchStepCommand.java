package t2t.ops.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.optimizer.AdamW;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import t2t.model.ModelArgs;
import t2t.model.ModelRegistry;
import t2t.model.T2tVit;
import t2t.model.layers.ParamSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code t2t bench step}: one training step (forward, cross-entropy, backward, AdamW) and one
 * inference batch of a model on random data, beside this machine's measured float32 matrix
 * product rate through the same engine (the ceiling a step dominated by Linear layers can reach).
 * The global batch is shared by {@code --workers} threads as {@code train} shares it between its
 * workers on one node; the default is {@code train}'s (2 workers, the cores divided between
 * them: 1 native thread each on a 2-core machine), so the figure is the step as training runs it.
 * {@code --workers 1} gives one worker with every core, as earlier figures were taken. The
 * workers' gradients sum in the shared weights' gradient, then one AdamW update (the weights
 * dealt to the same threads).
 */
@Command(name = "step", mixinStandardHelpOptions = true,
        description = "Benchmark a training step (forward + backward + AdamW) and inference on random data.")
public final class BenchStepCommand implements Callable<Integer> {

    @Option(names = "--model", defaultValue = "t2t_vit_7", description = "Model name (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--model-args", description = "Architecture overrides k=v,...")
    String modelArgs;

    @Option(names = "--img-size", defaultValue = "224", description = "Input size (default ${DEFAULT-VALUE}).")
    int imgSize;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--steps", defaultValue = "10", description = "Timed training steps (default ${DEFAULT-VALUE}).")
    int steps;

    /**
     * 20 by default: at 224 px libtorch's and glibc's allocators take 15-20 steps to build their
     * working set for the activations (RSS +12% over steps 3-23, then within +-2-4% to step 1,000),
     * so the start RSS is read after that, and the timed steps do not pay for it.
     */
    @Option(names = "--warmup", defaultValue = "20", description = "Untimed warm-up steps (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--infer-batches", defaultValue = "5", description = "Timed inference batches (default ${DEFAULT-VALUE}).")
    int inferBatches;

    @Option(names = "--workers", defaultValue = "2",
            description = "Workers sharing the batch, each on its own thread, as `train` runs them on one node "
                    + "(default ${DEFAULT-VALUE}, train's default; 1 = one worker with every core).")
    int workers;

    @Option(names = "--threads-per-worker", defaultValue = "0",
            description = "Native compute threads per worker (default 0: this machine's cores divided by the workers).")
    int threadsPerWorker;

    @Option(names = "--json", description = "Print one JSON object as the last stdout line.")
    boolean json;

    @Override
    public Integer call() {
        if (batch < 1 || steps < 1 || warmup < 0 || inferBatches < 0) {
            throw new t2t.protocol.UserInputException("--batch and --steps must be >= 1, --warmup and --infer-batches >= 0");
        }
        if (workers < 1 || workers > batch || threadsPerWorker < 0) {
            throw new t2t.protocol.UserInputException("--workers must be between 1 and --batch, --threads-per-worker >= 0");
        }
        int threads = threadsPerWorker > 0 ? threadsPerWorker
                : Math.max(1, Runtime.getRuntime().availableProcessors() / workers);
        Map<String, String> args = new LinkedHashMap<>(ModelArgs.parse(modelArgs));
        args.putIfAbsent("img_size", Integer.toString(imgSize));
        T2tVit m = ModelRegistry.createT2t(model, args);
        int c = m.config().inChans();
        int classes = Math.max(1, m.numClasses());
        Engine.getInstance().setRandomSeed(0);
        Map<String, Object> out = new LinkedHashMap<>();
        try (NDManager base = NDManager.newBaseManager()) {
            double gemm = BenchStepGemm.measure(base);
            log("gemm: %.1f GFLOP/s (float32 matMul 1024^3 through DJL)", gemm);
            m.initializeWeights(base, DataType.FLOAT32, 0);
            List<ParamSpec> trainable = m.parameterSpecs().stream().filter(ParamSpec::trainable).toList();
            Optimizer opt = AdamW.builder().optLearningRateTracker(Tracker.fixed(5e-4f)).optWeightDecays(0.05f).build();
            BenchStepWorkers pool = new BenchStepWorkers(m, base, workers, threads);
            long rssStart = -1;
            long heapStart = -1;
            double[] times = new double[steps];
            // One random batch made before the clock starts: in training the loaders make batches
            // beside the step, so drawing 4.8 M normals per step is not part of what is timed.
            NDArray x = base.randomNormal(new Shape(batch, c, imgSize, imgSize));
            NDArray target = base.randomInteger(0, classes, new Shape(batch), DataType.INT32).oneHot(classes);
            for (int i = 0; i < warmup + steps; i++) {
                long t0 = System.nanoTime();
                pool.forwardBackward(x, target);
                pool.update(trainable, opt);
                double dt = (System.nanoTime() - t0) / 1e9;
                if (i >= warmup) {
                    times[i - warmup] = dt;
                }
                if (i == warmup - 1 || (warmup == 0 && i == 0)) {
                    rssStart = rssKb(); // after warm-up: the allocator's working set is built by then
                    heapStart = heapKb();
                }
                if (i < warmup + 20 || (i + 1) % 100 == 0) {
                    log("step %d: %.3f s (%.1f img/s) rss %d MB (java heap %d MB)%s", i + 1, dt, batch / dt,
                            rssKb() / 1024, heapKb() / 1024,
                            i < warmup ? " warm-up" : "");
                }
            }
            long rssEnd = rssKb();
            long heapEnd = heapKb();
            pool.close();
            double trainStep = median(times);
            double[] inferTimes = new double[inferBatches];
            for (int i = 0; i < inferBatches + 1; i++) {
                try (NDManager step = base.newSubManager()) {
                    NDArray images = step.randomNormal(new Shape(batch, c, imgSize, imgSize));
                    long t0 = System.nanoTime();
                    m.predict(images).toFloatArray(); // copying the logits out waits for the result
                    double dt = (System.nanoTime() - t0) / 1e9;
                    if (i > 0) {
                        inferTimes[i - 1] = dt;
                    }
                }
            }
            double trainGflopPerImg = 6.0 * m.macs() / 1e9; // forward 2 x MACs, backward about twice that
            double trainImgPerS = batch / trainStep;
            out.put("model", model);
            out.put("img_size", imgSize);
            out.put("batch", batch);
            out.put("workers", workers);
            out.put("threads_per_worker", threads);
            out.put("train_img_per_s", round(trainImgPerS));
            out.put("infer_img_per_s", inferBatches == 0 ? null : round(batch / median(inferTimes)));
            out.put("gemm_gflops", round(gemm));
            out.put("train_gflop_per_img", round(trainGflopPerImg));
            out.put("train_gflops", round(trainImgPerS * trainGflopPerImg));
            out.put("fraction_of_gemm", round(trainImgPerS * trainGflopPerImg / gemm));
            out.put("steps", steps);
            out.put("rss_mb_after_warmup", rssStart / 1024);
            out.put("rss_mb_end", rssEnd / 1024);
            // RSS counts the Java heap's touched pages too: the collector grows the heap over the
            // first hundreds of steps, which is not native memory.
            out.put("java_heap_mb_after_warmup", heapStart / 1024);
            out.put("java_heap_mb_end", heapEnd / 1024);
        }
        if (json) {
            Json.print(out);
        } else {
            out.forEach((k, v) -> System.out.println(k + ": " + v));
        }
        return 0;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** The Java heap the collector has committed (part of RSS once touched), in kB. */
    static long heapKb() {
        return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() / 1024;
    }

    static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static void log(String fmt, Object... args) {
        System.err.printf(fmt + "%n", args);
    }
}
