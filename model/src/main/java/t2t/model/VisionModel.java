package t2t.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import t2t.model.layers.ParamSpec;

import java.util.LinkedHashMap;
import java.util.List;

/**
 * An image classifier the registry can build: a DJL block plus what the rest of the system needs
 * to know about it without knowing its family (T2T-ViT here; CNN teachers register their own).
 */
public interface VisionModel extends Block {

    /** The registered name it was built from, e.g. {@code t2t_vit_7}. */
    String variantName();

    DataConfig dataConfig();

    int numClasses();

    /** Every tensor under its official state-dict name, in export order, with its trainable flag. */
    List<ParamSpec> parameterSpecs();

    /** Sets every parameter's array in {@code manager} from a seeded host generator (official init). */
    void initializeWeights(NDManager manager, DataType dataType, long seed);

    /**
     * Makes {@link #parameterSpecs()} answer before weights are loaded. A no-op where the
     * architecture alone fixes every shape (T2T-ViT), so a file that does not fit is refused before
     * anything is allocated; a family whose shapes come out of initializing its blocks overrides it.
     */
    default void declareShapes(NDManager manager, DataType dataType) {}

    /** The eval output for a batch [B, C, H, W], no gradients recorded; arrays in x's manager. */
    NDArray predict(NDArray images);

    /** Multiply-accumulates of one forward pass at the default input size. */
    long macs();

    default LinkedHashMap<String, Parameter> stateDict() {
        LinkedHashMap<String, Parameter> m = new LinkedHashMap<>();
        for (ParamSpec s : parameterSpecs()) {
            m.put(s.name(), s.parameter());
        }
        return m;
    }

    default long parameterCount() {
        return parameterSpecs().stream().mapToLong(s -> s.shape().size()).sum();
    }

    default long trainableParameterCount() {
        return parameterSpecs().stream().filter(ParamSpec::trainable).mapToLong(s -> s.shape().size()).sum();
    }
}
