package t2t.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import t2t.model.VisionModel;
import t2t.model.layers.Init;
import t2t.model.layers.ParamSpec;
import t2t.protocol.UserInputException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A model's weights in the official state-dict naming: export (ordered, for files and digests)
 * and load (strict by default). Loading tolerates a {@code module.} prefix (DataParallel
 * checkpoints) and regenerates the fixed sinusoid position table when the file's was made for
 * another image size; everything else, including the performer's frozen {@code w}, comes from
 * the file.
 */
public final class Weights {
    private static final String POS_EMBED = "pos_embed";

    private Weights() {}

    /** The model's tensors as host float32 copies, in export order. The model must be initialized. */
    public static LinkedHashMap<String, Tensor> export(VisionModel model) {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (ParamSpec s : model.parameterSpecs()) {
            NDArray a = s.parameter().getArray();
            float[] v = a.getDataType() == DataType.FLOAT32 ? a.toFloatArray() : toFloat(a);
            out.put(s.name(), new Tensor("F32", s.shape().getShape(), v));
        }
        return out;
    }

    /**
     * SHA-256 of the weights in export order: for each tensor, its name (UTF-8), a 0 byte, its
     * shape as little-endian int64s, then its float32 values little-endian. Equal weights under
     * equal names give equal digests, whatever the device or dtype they were trained in.
     */
    public static String sha256(VisionModel model) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, Tensor> e : export(model).entrySet()) {
                md.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update((byte) 0);
                long[] shape = e.getValue().shape();
                java.nio.ByteBuffer sb = java.nio.ByteBuffer.allocate(8 * shape.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (long d : shape) {
                    sb.putLong(d);
                }
                md.update(sb.array());
                float[] v = e.getValue().values();
                java.nio.ByteBuffer vb = java.nio.ByteBuffer.allocate(4 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                vb.asFloatBuffer().put(v);
                md.update(vb.array());
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present in the JDK", e);
        }
    }

    /** Writes the model's weights as safetensors in {@code dtype} (F32, F16, BF16). */
    public static void save(VisionModel model, Path file, String dtype) throws IOException {
        Safetensors.write(file, export(model), dtype, new ModelCard(model.variantName(), Map.of(), List.of(), false).toMetadata());
    }

    /** {@link #load(VisionModel, Map, NDManager, DataType, boolean)} from a safetensors file, strict. */
    public static void load(VisionModel model, Path file, NDManager manager, DataType dataType) {
        load(model, Safetensors.read(file), manager, dataType, true);
    }

    /**
     * Sets the model's parameters from {@code tensors} (official names). New arrays go to
     * {@code manager} as {@code dataType} when the model has none yet; otherwise values are
     * copied in place. Strict: any missing, unexpected or mis-shaped key fails with one line
     * listing them. Not strict: only matching keys load, the others keep (or get) their init.
     */
    public static void load(VisionModel model, Map<String, Tensor> tensors, NDManager manager,
                            DataType dataType, boolean strict) {
        model.declareShapes(manager, dataType);
        Map<String, Tensor> byName = stripModulePrefix(tensors);
        List<String> missing = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        List<ParamSpec> specs = model.parameterSpecs();
        Map<String, ParamSpec> known = new LinkedHashMap<>();
        for (ParamSpec s : specs) {
            known.put(s.name(), s);
            Tensor t = byName.get(s.name());
            if (t == null) {
                missing.add(s.name());
            } else if (!java.util.Arrays.equals(t.shape(), s.shape().getShape()) && !regenerable(s, t)) {
                misShaped.add(s.name() + " " + t.shapeString() + " (model " + s.shape() + ")");
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : byName.keySet()) {
            if (!known.containsKey(k)) {
                unexpected.add(k);
            }
        }
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty() || !misShaped.isEmpty())) {
            throw new UserInputException("weights do not fit " + model.variantName() + ": "
                    + list("missing", missing) + list("unexpected", unexpected) + list("mis-shaped", misShaped)
                    + "check --model and --model-args (num_classes, img_size, embed_dim, ...)");
        }
        for (Map.Entry<String, Tensor> e : byName.entrySet()) {
            int bad = nonFinite(e.getValue().values());
            if (bad > 0 && known.containsKey(e.getKey())) {
                throw new UserInputException("weights for " + model.variantName() + ": tensor " + e.getKey() + " holds "
                        + bad + " NaN or infinite values (a diverged run, or a damaged file); use an earlier checkpoint");
            }
        }
        SplittableRandom fallback = new SplittableRandom(0);
        for (ParamSpec s : specs) {
            Tensor t = byName.get(s.name());
            boolean fits = t != null && java.util.Arrays.equals(t.shape(), s.shape().getShape());
            if (fits) {
                s.assign(manager, t.values(), dataType);
            } else if (t != null && regenerable(s, t)) {
                s.assign(manager, Init.SINUSOID.values(s.shape(), fallback), dataType);
            } else if (!s.parameter().isInitialized()) {
                s.assign(manager, s.init().values(s.shape(), fallback.split()), dataType);
            }
        }
    }

    private static int nonFinite(float[] v) {
        int n = 0;
        for (float f : v) {
            if (!Float.isFinite(f)) {
                n++;
            }
        }
        return n;
    }

    /** The fixed sinusoid table depends only on token count and width: another img size regenerates it. */
    private static boolean regenerable(ParamSpec s, Tensor t) {
        return s.name().equals(POS_EMBED) && s.init() == Init.SINUSOID && t.shape().length == 3
                && t.shape()[2] == s.shape().get(2);
    }

    private static Map<String, Tensor> stripModulePrefix(Map<String, Tensor> tensors) {
        boolean all = !tensors.isEmpty() && tensors.keySet().stream().allMatch(k -> k.startsWith("module."));
        if (!all) {
            return tensors;
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(k.substring("module.".length()), v));
        return out;
    }

    private static String list(String what, List<String> names) {
        if (names.isEmpty()) {
            return "";
        }
        int shown = Math.min(names.size(), 8);
        String more = names.size() > shown ? ", ... (" + (names.size() - shown) + " more)" : "";
        return names.size() + " " + what + " [" + String.join(", ", names.subList(0, shown)) + more + "]; ";
    }

    private static float[] toFloat(NDArray a) {
        try (NDArray f = a.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }
}
