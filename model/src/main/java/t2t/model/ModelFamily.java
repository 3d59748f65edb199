package t2t.model;

import java.util.List;
import java.util.Map;

/**
 * A set of named variants that {@link ModelRegistry} can build. T2T-ViT is built in; other
 * families (the CNN teachers in {@code t2t.model.teacher}) add theirs with
 * {@link ModelRegistry#register(ModelFamily)}.
 */
public interface ModelFamily {

    /** The variant names, in the order `t2t models` lists them. */
    List<String> names();

    /**
     * Builds variant {@code name} with {@code overrides} (field name -> value) applied; weights
     * are not set. A bad key or value is a {@code UserInputException} naming it.
     */
    VisionModel create(String name, Map<String, String> overrides);

    /** One line per variant for `t2t models`: field -> value (tokens, dims, params, GMACs...). */
    Map<String, Object> describe(String name);
}
