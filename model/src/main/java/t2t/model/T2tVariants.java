package t2t.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The eleven official T2T-ViT variants: a name is a handful of constants (timm style). */
public final class T2tVariants implements ModelFamily {

    public static final T2tVariants INSTANCE = new T2tVariants();

    private static final Map<String, T2tConfig> VARIANTS = new LinkedHashMap<>();

    static {
        add("t2t_vit_7", "performer", 256, 7, 4, 2.0);
        add("t2t_vit_10", "performer", 256, 10, 4, 2.0);
        add("t2t_vit_12", "performer", 256, 12, 4, 2.0);
        add("t2t_vit_14", "performer", 384, 14, 6, 3.0);
        add("t2t_vit_19", "performer", 448, 19, 7, 3.0);
        add("t2t_vit_24", "performer", 512, 24, 8, 3.0);
        add("t2t_vit_t_14", "transformer", 384, 14, 6, 3.0);
        add("t2t_vit_t_19", "transformer", 448, 19, 7, 3.0);
        add("t2t_vit_t_24", "transformer", 512, 24, 8, 3.0);
        add("t2t_vit_14_resnext", "performer", 384, 14, 32, 3.0);
        add("t2t_vit_14_wide", "performer", 768, 4, 12, 3.0);
    }

    private static void add(String name, String tokens, int dim, int depth, int heads, double mlp) {
        VARIANTS.put(name, T2tConfig.official(name, tokens, dim, depth, heads, mlp));
    }

    private T2tVariants() {}

    @Override
    public List<String> names() {
        return List.copyOf(VARIANTS.keySet());
    }

    public T2tConfig config(String name, Map<String, String> overrides) {
        T2tConfig base = VARIANTS.get(name);
        if (base == null) {
            throw new IllegalArgumentException("not a T2T-ViT variant: " + name);
        }
        return base.withOverrides(overrides);
    }

    @Override
    public T2tVit create(String name, Map<String, String> overrides) {
        return new T2tVit(config(name, overrides));
    }

    @Override
    public Map<String, Object> describe(String name) {
        T2tVit m = create(name, Map.of());
        T2tConfig c = m.config();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", name);
        row.put("tokens_type", c.tokensType());
        row.put("embed_dim", c.embedDim());
        row.put("depth", c.depth());
        row.put("num_heads", c.numHeads());
        row.put("mlp_ratio", c.mlpRatio());
        row.put("params", m.parameterCount());
        row.put("params_trainable", m.trainableParameterCount());
        row.put("gmacs", Math.round(m.macs() / 1e7) / 100.0);
        row.put("img_size", c.imgSize());
        return row;
    }
}
