package t2t.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;

/** A {@code nn.LayerNorm(dim)} inside its owner block: eps 1e-5, weight 1, bias 0. */
public final class Norm {
    private static final float EPS = 1e-5f;
    private final Parameter weight;
    private final Parameter bias;
    private final Shape normalized;

    Norm(NamedBlock owner, String name, int dim) {
        this.normalized = new Shape(dim);
        this.weight = owner.param(name + ".weight", normalized, Init.ONES, true);
        this.bias = owner.param(name + ".bias", normalized, Init.ZEROS, true);
    }

    /** Registers {@code name.weight} and {@code name.bias} on {@code owner}, in its state-dict order. */
    public static Norm of(NamedBlock owner, String name, int dim) {
        return new Norm(owner, name, dim);
    }

    public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        return LayerNorm.layerNorm(
                        x, normalized,
                        NamedBlock.value(ps, weight, x, training),
                        NamedBlock.value(ps, bias, x, training),
                        EPS)
                .singletonOrThrow();
    }
}
