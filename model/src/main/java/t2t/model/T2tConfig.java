package t2t.model;

import t2t.model.layers.PatchEmbed;
import t2t.model.layers.SplitSpec;
import t2t.protocol.UserInputException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every architecture field of a T2T-ViT, by its official name where one exists
 * ({@code img_size ... drop_path_rate}), plus ours: {@code distillation} (DeiT dist token +
 * head_dist), {@code token_label} (aux_head on every patch token), {@code soft_split} (the
 * split schedule: {@code official}, {@code small}, or {@code k:s:p/k:s:p/k:s:p}) and the tokens type
 * {@code patch} (ViT's single Conv2d patch embedding with the grid the split schedule gives, for
 * ablations; see {@link PatchEmbed}).
 *
 * @param qkScale null means head_dim^-0.5 (fresh models); released checkpoints need D^-0.5
 */
public record T2tConfig(
        String name,
        int imgSize,
        int inChans,
        int numClasses,
        int embedDim,
        int depth,
        int numHeads,
        double mlpRatio,
        boolean qkvBias,
        Double qkScale,
        String tokensType,
        int tokenDim,
        float dropRate,
        float attnDropRate,
        float dropPathRate,
        boolean distillation,
        boolean tokenLabel,
        List<SplitSpec> softSplit) {

    /** The override keys {@link #withOverrides} accepts, in the order `t2t models` documents them. */
    public static final List<String> KEYS = List.of(
            "img_size", "in_chans", "num_classes", "embed_dim", "depth", "num_heads", "mlp_ratio",
            "qkv_bias", "qk_scale", "tokens_type", "token_dim", "drop_rate", "attn_drop_rate",
            "drop_path_rate", "distillation", "token_label", "soft_split");

    static T2tConfig official(String name, String tokensType, int embedDim, int depth, int heads, double mlpRatio) {
        return new T2tConfig(name, 224, 3, 1000, embedDim, depth, heads, mlpRatio, false, null,
                tokensType, 64, 0f, 0f, 0f, false, false, SplitSpec.OFFICIAL);
    }

    /** This config with {@code overrides} applied; a bad key or value is a UserInputException naming it. */
    public T2tConfig withOverrides(Map<String, String> overrides) {
        Map<String, String> v = asArgs();
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            if (!v.containsKey(e.getKey())) {
                throw new UserInputException("unknown model arg '" + e.getKey() + "' for " + name
                        + "; known: " + String.join(", ", KEYS));
            }
            v.put(e.getKey(), e.getValue().trim());
        }
        T2tConfig c = new T2tConfig(name,
                positive(v, "img_size"), positive(v, "in_chans"), nonNegative(v, "num_classes"),
                positive(v, "embed_dim"), positive(v, "depth"), positive(v, "num_heads"),
                positiveDouble(v, "mlp_ratio"), bool(v, "qkv_bias"), qkScale(v),
                oneOf(v, "tokens_type", "performer", "transformer", "patch"), positive(v, "token_dim"),
                rate(v, "drop_rate"), rate(v, "attn_drop_rate"), rate(v, "drop_path_rate"),
                bool(v, "distillation"), bool(v, "token_label"), schedule(v));
        if (c.embedDim % c.numHeads != 0) {
            throw new UserInputException("model arg embed_dim=" + c.embedDim + " is not divisible by num_heads="
                    + c.numHeads + "; pick num_heads that divides embed_dim");
        }
        if (c.tokensType.equals("performer") && c.tokenDim % 2 != 0) {
            throw new UserInputException("model arg token_dim=" + c.tokenDim + " must be even for the performer (m = token_dim/2)");
        }
        if (c.tokensType.equals("patch")) {
            try {
                PatchEmbed.patchSize(c.imgSize, c.softSplit);
            } catch (IllegalArgumentException e) {
                throw new UserInputException("model arg tokens_type=patch: " + e.getMessage()
                        + "; pick an img_size that the grid divides, or another soft_split");
            }
        }
        return c;
    }

    /** The same architecture fields, as strings, for `t2t models`, run folders and checkpoints. */
    public Map<String, String> asArgs() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("img_size", Integer.toString(imgSize));
        v.put("in_chans", Integer.toString(inChans));
        v.put("num_classes", Integer.toString(numClasses));
        v.put("embed_dim", Integer.toString(embedDim));
        v.put("depth", Integer.toString(depth));
        v.put("num_heads", Integer.toString(numHeads));
        v.put("mlp_ratio", Double.toString(mlpRatio));
        v.put("qkv_bias", Boolean.toString(qkvBias));
        v.put("qk_scale", qkScale == null ? "none" : Double.toString(qkScale));
        v.put("tokens_type", tokensType);
        v.put("token_dim", Integer.toString(tokenDim));
        v.put("drop_rate", Float.toString(dropRate));
        v.put("attn_drop_rate", Float.toString(attnDropRate));
        v.put("drop_path_rate", Float.toString(dropPathRate));
        v.put("distillation", Boolean.toString(distillation));
        v.put("token_label", Boolean.toString(tokenLabel));
        v.put("soft_split", SplitSpec.format(softSplit));
        return v;
    }

    private static UserInputException bad(String key, String value, String want) {
        return new UserInputException("bad model arg " + key + "=" + value + ": expected " + want);
    }

    private static int positive(Map<String, String> v, String key) {
        int x = integer(v, key);
        if (x < 1) {
            throw bad(key, v.get(key), "an integer >= 1");
        }
        return x;
    }

    private static int nonNegative(Map<String, String> v, String key) {
        int x = integer(v, key);
        if (x < 0) {
            throw bad(key, v.get(key), "an integer >= 0");
        }
        return x;
    }

    private static int integer(Map<String, String> v, String key) {
        try {
            return Integer.parseInt(v.get(key));
        } catch (NumberFormatException e) {
            throw bad(key, v.get(key), "an integer");
        }
    }

    private static double positiveDouble(Map<String, String> v, String key) {
        try {
            double x = Double.parseDouble(v.get(key));
            if (!(x > 0) || Double.isInfinite(x)) {
                throw bad(key, v.get(key), "a number > 0");
            }
            return x;
        } catch (NumberFormatException e) {
            throw bad(key, v.get(key), "a number > 0");
        }
    }

    private static float rate(Map<String, String> v, String key) {
        try {
            float x = Float.parseFloat(v.get(key));
            if (!(x >= 0f && x < 1f)) {
                throw bad(key, v.get(key), "a rate in [0, 1)");
            }
            return x;
        } catch (NumberFormatException e) {
            throw bad(key, v.get(key), "a rate in [0, 1)");
        }
    }

    private static boolean bool(Map<String, String> v, String key) {
        String s = v.get(key).toLowerCase(java.util.Locale.ROOT);
        if (s.equals("true")) {
            return true;
        }
        if (s.equals("false")) {
            return false;
        }
        throw bad(key, v.get(key), "true or false");
    }

    private static Double qkScale(Map<String, String> v) {
        String s = v.get("qk_scale");
        if (s.equalsIgnoreCase("none") || s.isEmpty()) {
            return null;
        }
        return positiveDouble(v, "qk_scale");
    }

    private static String oneOf(Map<String, String> v, String key, String... allowed) {
        for (String a : allowed) {
            if (a.equals(v.get(key))) {
                return a;
            }
        }
        throw bad(key, v.get(key), "one of " + String.join(", ", allowed));
    }

    private static List<SplitSpec> schedule(Map<String, String> v) {
        try {
            return SplitSpec.parseSchedule(v.get("soft_split"));
        } catch (IllegalArgumentException e) {
            throw bad("soft_split", v.get("soft_split"),
                    "official, small, or kernel:stride:padding per split joined by '/' (" + e.getMessage() + ")");
        }
    }
}
