package t2t.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;

/**
 * A {@code nn.Linear} inside its owner block ({@code name.weight} [out, in], {@code name.bias}),
 * initialized like the official {@code _init_weights}: trunc normal 0.02, bias 0.
 */
public final class Dense {
    private final Parameter weight;
    private final Parameter bias;
    private final int in;
    private final int out;

    Dense(NamedBlock owner, String name, int in, int out, boolean withBias) {
        this.in = in;
        this.out = out;
        this.weight = owner.param(name + ".weight", new Shape(out, in), Init.truncNormal(0.02), true);
        this.bias = withBias ? owner.param(name + ".bias", new Shape(out), Init.ZEROS, true) : null;
    }

    /** Registers {@code name.weight} (and {@code name.bias}) on {@code owner}, in its state-dict order. */
    public static Dense of(NamedBlock owner, String name, int in, int out, boolean withBias) {
        return new Dense(owner, name, in, out, withBias);
    }

    public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = NamedBlock.value(ps, weight, x, training);
        NDArray b = bias == null ? null : NamedBlock.value(ps, bias, x, training);
        return Linear.linear(x, w, b).singletonOrThrow();
    }

    /** Multiply-accumulates for {@code rows} input vectors. */
    public long macs(long rows) {
        return rows * in * out;
    }
}
