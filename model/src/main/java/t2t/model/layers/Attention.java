package t2t.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

/** Multi-head self-attention of the backbone; {@code qkv} has a bias only when asked. */
public final class Attention extends NamedBlock {
    private final Dense qkv;
    private final Dense proj;
    private final int heads;
    private final float scale;
    private final float attnDrop;
    private final float projDrop;

    public Attention(int dim, int heads, boolean qkvBias, Double qkScale, float attnDrop, float projDrop) {
        if (dim % heads != 0) {
            throw new IllegalArgumentException("embed_dim " + dim + " is not divisible by num_heads " + heads);
        }
        this.heads = heads;
        this.scale = (float) (qkScale != null ? qkScale : Math.pow(dim / heads, -0.5));
        this.qkv = new Dense(this, "qkv", dim, 3 * dim, qkvBias);
        this.proj = new Dense(this, "proj", dim, dim, true);
        this.attnDrop = attnDrop;
        this.projDrop = projDrop;
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        long b = x.getShape().get(0);
        long n = x.getShape().get(1);
        long c = x.getShape().get(2);
        NDList qkvParts = qkv.apply(ps, x, training)
                .reshape(b, n, 3, heads, c / heads)
                .transpose(2, 0, 3, 1, 4) // (3, B, H, N, hd)
                .split(3, 0);
        NDArray q = qkvParts.get(0).squeeze(0);
        NDArray k = qkvParts.get(1).squeeze(0);
        NDArray v = qkvParts.get(2).squeeze(0);
        // scale q (N x hd), not the N x N scores: one pass less over the larger tensor
        NDArray attn = q.mul(HostArrays.scalar(q, scale)).matMul(k.transpose(0, 1, 3, 2)).softmax(-1); // (B, H, N, N)
        attn = Mlp.dropout(attn, attnDrop, training);
        NDArray y = attn.matMul(v).transpose(0, 2, 1, 3).reshape(b, n, c); // (B, N, C)
        return Mlp.dropout(proj.apply(ps, y, training), projDrop, training);
    }

    public long macs(long tokens, long dim) {
        return qkv.macs(tokens) + proj.macs(tokens) + 2 * tokens * tokens * dim;
    }
}
