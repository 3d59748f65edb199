package t2t.actors.engine;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ai.djl.ndarray.types.DataType;
import t2t.actors.checkpoint.CheckpointStore;
import t2t.model.ModelRegistry;
import t2t.model.VisionModel;
import t2t.model.io.ModelCard;
import t2t.model.io.Safetensors;
import t2t.model.io.Weights;
import t2t.protocol.UserInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Models out of checkpoints: which architecture a checkpoint holds ({@code model.json}: the
 * registered name and the resolved overrides) and its weights, for eval, export, and teachers.
 */
public final class CheckpointModels {
    private CheckpointModels() {}

    /** A loaded model with its arrays in {@code manager}. */
    public record Loaded(VisionModel model, String name, Map<String, String> args, CheckpointStore.Loaded checkpoint) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    static byte[] describe(String model, Map<String, String> args, List<String> classNames) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("args", args);
        m.put("class_names", classNames);
        try {
            return JSON.writeValueAsBytes(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The checkpoint a path names: a checkpoint folder ({@code step-N}), a run folder or its
     * {@code checkpoints} folder (meaning the newest valid checkpoint).
     */
    public static CheckpointStore.Loaded open(Path path) {
        if (!Files.exists(path)) {
            throw new UserInputException("checkpoint " + path + " does not exist: give a run folder or a checkpoint folder");
        }
        if (Files.isRegularFile(path.resolve(CheckpointStore.MANIFEST))) {
            return CheckpointStore.load(path);
        }
        Path dir = Files.isDirectory(path.resolve("checkpoints")) ? path.resolve("checkpoints") : path;
        Optional<CheckpointStore.Loaded> l = new CheckpointStore(dir, Integer.MAX_VALUE).loadLatestValid();
        return l.orElseThrow(() -> new UserInputException("no valid checkpoint under " + path
                + ": give a run folder with checkpoints/, or a checkpoint folder step-N"));
    }

    public static Loaded load(CheckpointStore.Loaded c, NDManager manager, boolean ema) {
        Map<String, String> json = parseFlat(new String(c.file(JobAssembly.MODEL), StandardCharsets.UTF_8));
        String name = json.remove("model");
        VisionModel model = ModelRegistry.create(name, json);
        String file = ema && c.files().containsKey("ema.safetensors") ? "ema.safetensors" : JobAssembly.WEIGHTS;
        Weights.load(model, Safetensors.read(c.file(file), c.path().resolve(file).toString()), manager,
                DataType.FLOAT32, true);
        return new Loaded(model, name, json, c);
    }

    /** What a checkpoint's {@code model.json} says: "model" (the registered name) and its architecture args. */
    public static Map<String, String> described(CheckpointStore.Loaded c) {
        return parseFlat(new String(c.file(JobAssembly.MODEL), StandardCharsets.UTF_8));
    }

    /**
     * What {@code export} writes into a weights file's metadata: the model.json's name and args, the
     * class names (checkpoints from versions that did not record them have none) and the run's eval
     * transform.
     */
    public static ModelCard card(CheckpointStore.Loaded c) {
        Map<String, String> args = described(c);
        String model = args.remove("model");
        List<String> names = new ArrayList<>();
        int padCrop;
        try {
            JSON.readTree(c.file(JobAssembly.MODEL)).path("class_names").forEach(n -> names.add(n.asText()));
            padCrop = JSON.readTree(c.manifest().getConfigJson()).path("pad-crop").asInt(-1);
        } catch (IOException e) {
            throw new UserInputException("checkpoint " + c.path() + " has a model.json or config that is not JSON:"
                    + " the checkpoint is damaged");
        }
        return new ModelCard(model, args, names, padCrop >= 0);
    }

    /** "model" plus the "args" entries of what {@link #describe} wrote, flattened. */
    static Map<String, String> parseFlat(String json) {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            JsonNode root = JSON.readTree(json);
            out.put("model", root.path("model").asText(null));
            root.path("args").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        } catch (IOException e) {
            throw new UserInputException("checkpoint model.json is not JSON: the checkpoint is damaged");
        }
        if (out.get("model") == null) {
            throw new UserInputException("checkpoint model.json names no model: the checkpoint is damaged");
        }
        return out;
    }
}
