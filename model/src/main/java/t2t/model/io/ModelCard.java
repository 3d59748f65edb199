package t2t.model.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import t2t.model.ModelArgs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a weights file says about its model, in the safetensors header's {@code __metadata__}
 * (string to string, as the format requires): {@code model} (the registered name), {@code model_args}
 * (the architecture fields, in --model-args syntax), {@code class_names} (a JSON list, index
 * order) and {@code eval_transform} (how its run evaluated: {@code pad_crop}, images unresized on a
 * canvas, or timm's {@code resize_crop}), beside {@code format: pt} for PyTorch's loaders. A file
 * from elsewhere may carry none of them: every part is optional.
 *
 * @param model the registered name, or null when the file does not say
 * @param classNames the class names by index, or empty when unknown
 * @param paddedEval true when the run evaluated pad-crop style; false for timm's resize and centre crop
 */
public record ModelCard(String model, Map<String, String> args, List<String> classNames, boolean paddedEval) {
    private static final String PAD_CROP = "pad_crop";
    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelCard {
        args = Map.copyOf(new LinkedHashMap<>(args));
        classNames = List.copyOf(classNames);
    }

    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "pt");
        if (model != null) {
            m.put("model", model);
        }
        if (!args.isEmpty()) {
            m.put("model_args", new java.util.TreeMap<>(args).entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")));
        }
        m.put("eval_transform", paddedEval ? PAD_CROP : "resize_crop");
        if (!classNames.isEmpty()) {
            try {
                m.put("class_names", JSON.writeValueAsString(classNames));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a list of strings is always JSON", e);
            }
        }
        return m;
    }

    /** The card a header's metadata holds; entries it cannot read count as absent. */
    public static ModelCard fromMetadata(Map<String, String> metadata) {
        List<String> names = List.of();
        String json = metadata.get("class_names");
        if (json != null) {
            try {
                names = JSON.readValue(json, new TypeReference<List<String>>() { });
            } catch (JsonProcessingException e) {
                names = List.of();
            }
        }
        Map<String, String> args;
        try {
            args = ModelArgs.parse(metadata.getOrDefault("model_args", ""));
        } catch (t2t.protocol.UserInputException e) {
            args = Map.of();
        }
        return new ModelCard(metadata.get("model"), args, names, PAD_CROP.equals(metadata.get("eval_transform")));
    }
}
