package t2t.ops.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import t2t.model.DataConfig;
import t2t.model.ModelArgs;
import t2t.model.ModelRegistry;
import t2t.model.VisionModel;
import t2t.model.io.ModelCard;
import t2t.model.io.Npy;
import t2t.model.io.Safetensors;
import t2t.model.io.Tensor;
import t2t.model.io.Weights;
import t2t.protocol.UserInputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code t2t predict}: the model's eval output for a normalized float32 batch (.npy) or for images.
 * The model, its architecture args, the class names and the eval transform come from the weights
 * file's metadata when {@code ./t2t export} wrote it ({@link ModelCard}); flags override them.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Run a model on a float32 .npy batch [N, C, H, W] (already normalized) or on image files; "
                + "write the logits [N, classes] as .npy and print the top-k classes.")
public final class PredictCommand implements Callable<Integer> {
    private static final int CHUNK = 32;

    @Option(names = "--model", description = "Registered model name (see 't2t models'); default: the one the weights"
            + " file names (files from ./t2t export do).")
    String model;

    @Option(names = "--model-args", description = "Architecture overrides k=v,... (official field names, e.g."
            + " num_classes=10), over those the weights file carries.")
    String modelArgs;

    @Option(names = "--weights", required = true, description = "Weights: .safetensors (F32/F16/BF16) with the official key names.")
    Path weights;

    @Option(names = "--input", description = "A float32 .npy of shape [N, C, H, W], already normalized.")
    Path input;

    @Parameters(arity = "0..*", paramLabel = "IMAGE", description = "Image files (decoded and put through the model's eval transform).")
    List<Path> images = new ArrayList<>();

    @Option(names = "--output", description = "Write the logits [N, classes] here as float32 .npy.")
    Path output;

    @Option(names = "--topk", defaultValue = "5", description = "Classes to print per sample (default ${DEFAULT-VALUE}).")
    int topk;

    @Option(names = "--json", description = "Print one JSON object as the last stdout line.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if ((input == null) == images.isEmpty()) {
            throw new UserInputException("give either --input X.npy or image files, not both and not neither");
        }
        if (topk < 1) {
            throw new UserInputException("--topk must be >= 1, got " + topk);
        }
        ModelCard card = ModelCard.fromMetadata(Safetensors.metadata(weights));
        String name = model != null ? model : card.model();
        if (name == null) {
            throw new UserInputException("weights file " + weights + " does not name its model (files from ./t2t export do):"
                    + " give --model NAME and its --model-args");
        }
        Map<String, String> args = new LinkedHashMap<>(name.equals(card.model()) ? card.args() : Map.of());
        args.putAll(ModelArgs.parse(modelArgs));
        VisionModel m = ModelRegistry.create(name, args);
        DataConfig dc = m.dataConfig();
        Tensor batch = input != null ? Npy.read(input) : PredictImages.load(images, dc, card.paddedEval());
        String source = input != null ? input.toString() : images.size() + " image(s)";
        long[] s = batch.shape();
        if (s.length != 4 || s[1] != dc.inChans() || s[2] != dc.imgSize() || s[3] != dc.imgSize()) {
            throw new UserInputException("input " + source + " has shape " + java.util.Arrays.toString(s) + "; " + name
                    + " expects [N, " + dc.inChans() + ", " + dc.imgSize() + ", " + dc.imgSize()
                    + "] (set --model-args img_size=/in_chans= to match)");
        }
        int n = (int) s[0];
        int classes = m.numClasses();
        List<String> classNames = card.classNames().size() == classes ? card.classNames() : List.of();
        float[] logits = new float[n * classes];
        try (NDManager mgr = NDManager.newBaseManager()) {
            Weights.load(m, weights, mgr, DataType.FLOAT32);
            int per = (int) (s[1] * s[2] * s[3]);
            for (int start = 0; start < n; start += CHUNK) {
                int b = Math.min(CHUNK, n - start);
                try (NDManager step = mgr.newSubManager()) {
                    float[] chunk = java.util.Arrays.copyOfRange(batch.values(), start * per, (start + b) * per);
                    NDArray x = step.create(chunk, new Shape(b, s[1], s[2], s[3]));
                    float[] y = m.predict(x).toFloatArray();
                    System.arraycopy(y, 0, logits, start * classes, y.length);
                }
            }
        }
        if (output != null) {
            Npy.write(output, new long[] {n, classes}, logits);
        }
        List<List<Map<String, Object>>> top = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            top.add(topK(logits, i * classes, classes, Math.min(topk, classes), classNames));
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", name);
            out.put("samples", n);
            out.put("classes", classes);
            out.put("output", output == null ? null : output.toString());
            out.put("topk", top);
            Json.print(out);
        } else {
            for (int i = 0; i < n; i++) {
                StringBuilder line = new StringBuilder(input != null ? "sample " + i : images.get(i).toString()).append(':');
                for (Map<String, Object> e : top.get(i)) {
                    line.append(String.format(java.util.Locale.ROOT, "  %s (%.3f)",
                            e.getOrDefault("name", e.get("class")), (Double) e.get("prob")));
                }
                System.out.println(line);
            }
        }
        return 0;
    }

    /** The k largest classes of one row, with softmax probabilities, and their names when known. */
    private static List<Map<String, Object>> topK(float[] logits, int off, int classes, int k, List<String> names) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, logits[off + c]);
        }
        double z = 0;
        for (int c = 0; c < classes; c++) {
            z += Math.exp(logits[off + c] - max);
        }
        Integer[] idx = new Integer[classes];
        for (int c = 0; c < classes; c++) {
            idx[c] = c;
        }
        java.util.Arrays.sort(idx, (a, b) -> Float.compare(logits[off + b], logits[off + a]));
        List<Map<String, Object>> out = new ArrayList<>();
        for (int j = 0; j < k; j++) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("class", idx[j]);
            if (!names.isEmpty()) {
                e.put("name", names.get(idx[j]));
            }
            e.put("logit", (double) logits[off + idx[j]]);
            e.put("prob", Math.exp(logits[off + idx[j]] - max) / z);
            out.add(e);
        }
        return out;
    }
}
