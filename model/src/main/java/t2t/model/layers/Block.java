package t2t.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/** Pre-norm transformer block: x + dp(attn(norm1 x)); x + dp(mlp(norm2 x)). */
public final class Block extends NamedBlock {
    private final Norm norm1;
    private final Attention attn;
    private final Norm norm2;
    private final Mlp mlp;
    private final float dropPath;
    private final int dim;

    public Block(int dim, int heads, double mlpRatio, boolean qkvBias, Double qkScale,
                 float drop, float attnDrop, float dropPath) {
        this.dim = dim;
        this.norm1 = new Norm(this, "norm1", dim);
        this.attn = child("attn", new Attention(dim, heads, qkvBias, qkScale, attnDrop, drop));
        this.norm2 = new Norm(this, "norm2", dim);
        this.mlp = child("mlp", new Mlp(dim, (int) (dim * mlpRatio), dim, drop));
        this.dropPath = dropPath;
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray input, boolean training) {
        return scoped(input, x -> {
            NDArray h = x.add(DropPath.apply(attn.forward(ps, norm1.apply(ps, x, training), training), dropPath, training));
            return h.add(DropPath.apply(mlp.forward(ps, norm2.apply(ps, h, training), training), dropPath, training));
        });
    }

    public long macs(long tokens) {
        return attn.macs(tokens, dim) + mlp.macs(tokens);
    }
}
