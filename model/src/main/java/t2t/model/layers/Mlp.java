package t2t.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;

/** timm's Mlp: fc1, exact GELU, dropout, fc2, dropout. */
public final class Mlp extends NamedBlock {
    private final Dense fc1;
    private final Dense fc2;
    private final float drop;

    public Mlp(int in, int hidden, int out, float drop) {
        this.fc1 = new Dense(this, "fc1", in, hidden, true);
        this.fc2 = new Dense(this, "fc2", hidden, out, true);
        this.drop = drop;
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray h = Activation.gelu(fc1.apply(ps, x, training));
        h = dropout(h, drop, training);
        return dropout(fc2.apply(ps, h, training), drop, training);
    }

    public long macs(long tokens) {
        return fc1.macs(tokens) + fc2.macs(tokens);
    }

    static NDArray dropout(NDArray x, float rate, boolean training) {
        return Noise.dropout(x, rate, training);
    }
}
