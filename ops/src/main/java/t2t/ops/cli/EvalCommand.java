package t2t.ops.cli;

import ai.djl.ndarray.NDManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import t2t.actors.config.JobConfig;
import t2t.actors.engine.CheckpointModels;
import t2t.actors.engine.DjlEvaluator;
import t2t.actors.engine.JobAssembly;
import t2t.actors.runtime.EvalResult;
import t2t.actors.runtime.StudentCompute;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code t2t eval --checkpoint PATH [--data ...]}: top-1, top-5 and per-class accuracy of a
 * checkpoint on the eval split, with the model's eval transform.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Top-1 / top-5 / per-class accuracy of a checkpoint (or a run folder's newest) on the eval split.")
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "PATH", description = "checkpoint folder, or a run folder")
    Path checkpoint;

    @Option(names = "--data", description = "dataset (default: the one the run trained on)")
    String data;

    @Option(names = "--ema", description = "evaluate the EMA weights when the checkpoint has them")
    boolean ema;

    @Option(names = "--json", description = "print one JSON object as the last stdout line")
    boolean json;

    @Override
    public Integer call() throws Exception {
        var c = CheckpointModels.open(checkpoint);
        Map<String, String> raw = new LinkedHashMap<>();
        Json.MAPPER.readTree(c.manifest().getConfigJson())
                .fields().forEachRemaining(e -> raw.put(e.getKey(), e.getValue().asText()));
        if (data != null) {
            raw.put("data", data);
        }
        raw.put("teacher", "none");
        raw.put("token-label", "false");
        raw.put("distillation-type", "none");
        raw.put("resume", "");
        raw.put("cluster", "");
        JobConfig cfg = JobConfig.resolve(Map.of(), raw);
        try (NDManager manager = NDManager.newBaseManager();
             JobAssembly job = JobAssembly.prepare(cfg)) {
            CheckpointModels.Loaded loaded = CheckpointModels.load(c, manager, ema);
            StudentCompute student = new EvalOnly(loaded);
            long t0 = System.nanoTime();
            EvalResult r = new DjlEvaluator(job.batches(), job.trainData().numClasses(), 256).evaluate(student);
            double secs = (System.nanoTime() - t0) / 1e9;
            List<String> names = job.evalData().classNames();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("checkpoint", c.path().toString());
            out.put("step", c.manifest().getStep());
            out.put("top1", r.top1());
            out.put("top5", r.top5());
            out.put("samples", r.samples());
            Map<String, Double> perClass = new LinkedHashMap<>();
            for (int i = 0; i < r.perClassTop1().length; i++) {
                perClass.put(i < names.size() ? names.get(i) : Integer.toString(i), r.perClassTop1()[i]);
            }
            out.put("per_class_top1", perClass);
            out.put("eval_s", secs);
            if (json) {
                Json.print(out);
            } else {
                System.out.printf(Locale.ROOT, "%s (step %d): top-1 %.4f  top-5 %.4f  on %d images%n", c.path(),
                        c.manifest().getStep(), r.top1(), r.top5(), r.samples());
                perClass.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-20s %.4f%n", k, v));
            }
        }
        return 0;
    }

    /** A loaded model's eval output behind the evaluator's interface. */
    private record EvalOnly(CheckpointModels.Loaded loaded) implements StudentCompute {
        @Override
        public int numParams() {
            return 0;
        }

        @Override
        public float[] readParams() {
            return new float[0];
        }

        @Override
        public void writeParams(int offset, float[] data) {
            throw new UnsupportedOperationException("evaluation only");
        }

        @Override
        public StepLoss trainStep(t2t.actors.runtime.TrainBatch batch, long noiseSeed, float[] gradOut) {
            throw new UnsupportedOperationException("evaluation only");
        }

        @Override
        public float[] evalLogits(float[] pixels, int size, int channels, int height, int width) {
            try (NDManager m = NDManager.newBaseManager()) {
                return loaded.model().predict(m.create(pixels, new ai.djl.ndarray.types.Shape(size, channels, height,
                        width))).toFloatArray();
            }
        }

        @Override
        public void close() {}
    }

}
