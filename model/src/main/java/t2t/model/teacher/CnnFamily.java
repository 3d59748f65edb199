package t2t.model.teacher;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import t2t.model.DataConfig;
import t2t.model.ModelFamily;
import t2t.model.VisionModel;
import t2t.protocol.UserInputException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CNN teachers in the model registry: {@code ./t2t train --model resnet_tiny} trains one like
 * any model. Overrides: {@code img_size}, {@code in_chans}, {@code num_classes}.
 */
public final class CnnFamily implements ModelFamily {
    private static final List<String> KEYS = List.of("img_size", "in_chans", "num_classes");

    @Override
    public List<String> names() {
        return CnnTeachers.names();
    }

    @Override
    public VisionModel create(String name, Map<String, String> overrides) {
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            if (!KEYS.contains(e.getKey())) {
                throw new UserInputException("model " + name + " does not take '" + e.getKey() + "' (CNNs take "
                        + String.join(", ", KEYS) + "; distillation and token labeling are for T2T-ViT students)");
            }
        }
        int img = intArg(overrides, "img_size", 32);
        int chans = intArg(overrides, "in_chans", 3);
        int classes = intArg(overrides, "num_classes", 10);
        CnnNet net = CnnTeachers.create(name, classes, chans, img);
        return new CnnVisionModel(name, net, DataConfig.imagenet(chans, img));
    }

    private static int intArg(Map<String, String> o, String key, int def) {
        String v = o.get(key);
        if (v == null) {
            return def;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the message
        }
        throw new UserInputException("--model-args " + key + "=" + v + ": expected a positive integer");
    }

    @Override
    public Map<String, Object> describe(String name) {
        VisionModel m = create(name, Map.of());
        try (NDManager manager = NDManager.newBaseManager()) {
            m.initializeWeights(manager, DataType.FLOAT32, 0);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", name);
            row.put("tokens_type", "cnn");
            row.put("embed_dim", CnnTeachers.config(name).featureChannels());
            row.put("depth", null);
            row.put("num_heads", null);
            row.put("mlp_ratio", null);
            row.put("params", m.parameterCount());
            row.put("params_trainable", m.trainableParameterCount());
            row.put("gmacs", null);
            row.put("img_size", 32);
            return row;
        }
    }
}
