package t2t.model;

import t2t.protocol.NearestName;
import t2t.protocol.UserInputException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a model by name: {@code ModelRegistry.create("t2t_vit_7", Map.of("num_classes", "10"))}.
 * T2T-ViT's eleven variants are registered at start; another family joins with
 * {@link #register(ModelFamily)} (names must be new). Weights are not set: call
 * {@link VisionModel#initializeWeights} or {@code t2t.model.io.Weights.load}.
 */
public final class ModelRegistry {
    private static final Map<String, ModelFamily> BY_NAME = new LinkedHashMap<>();

    static {
        register(T2tVariants.INSTANCE);
        register(new t2t.model.teacher.CnnFamily());
    }

    private ModelRegistry() {}

    public static synchronized void register(ModelFamily family) {
        for (String n : family.names()) {
            ModelFamily old = BY_NAME.get(n);
            if (old != null && old != family) {
                throw new IllegalStateException("model name " + n + " is already registered");
            }
        }
        for (String n : family.names()) {
            BY_NAME.put(n, family);
        }
    }

    public static synchronized List<String> names() {
        return new ArrayList<>(BY_NAME.keySet());
    }

    public static synchronized ModelFamily family(String name) {
        ModelFamily f = BY_NAME.get(name);
        if (f == null) {
            throw new UserInputException("unknown model '" + name + "'" + NearestName.hint(name, BY_NAME.keySet())
                    + " (known: " + String.join(", ", BY_NAME.keySet()) + "; ./t2t models describes them)");
        }
        return f;
    }

    public static VisionModel create(String name, Map<String, String> overrides) {
        return family(name).create(name, overrides);
    }

    /** {@link #create} for a T2T-ViT name, typed. */
    public static T2tVit createT2t(String name, Map<String, String> overrides) {
        VisionModel m = create(name, overrides);
        if (!(m instanceof T2tVit t)) {
            throw new UserInputException("model '" + name + "' is not a T2T-ViT; pick one of " + T2tVariants.INSTANCE.names());
        }
        return t;
    }

    /** The rows of `t2t models`, in registration order. */
    public static List<Map<String, Object>> describeAll() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String n : names()) {
            rows.add(family(n).describe(n));
        }
        return rows;
    }
}
