package t2t.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

/**
 * The official {@code Token_transformer}: one head, {@code qkv} without bias, scale = the INPUT
 * dim^-0.5 (147 or 576, not the 64 of the head), and the residual of the attention is {@code v}
 * (the input has another width): {@code v + proj(softmax(q k^T * scale) v)}, then
 * {@code + mlp(norm2(.))} with an Mlp of hidden size emb.
 */
public final class TokenTransformer extends NamedBlock {
    private final Norm norm1;
    private final TokenAttention attn;
    private final Norm norm2;
    private final Mlp mlp;

    public TokenTransformer(int dim, int emb) {
        this.norm1 = new Norm(this, "norm1", dim);
        this.attn = child("attn", new TokenAttention(dim, emb));
        this.norm2 = new Norm(this, "norm2", emb);
        this.mlp = child("mlp", new Mlp(emb, emb, emb, 0f));
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray input, boolean training) {
        return scoped(input, x -> {
            NDArray t = attn.forward(ps, norm1.apply(ps, x, training), training);
            return t.add(mlp.forward(ps, norm2.apply(ps, t, training), training));
        });
    }

    public long macs(long tokens) {
        return attn.macs(tokens) + mlp.macs(tokens);
    }

    /** The attention of a token transformer (official {@code token_transformer.Attention}). */
    static final class TokenAttention extends NamedBlock {
        private final Dense qkv;
        private final Dense proj;
        private final float scale;
        private final int emb;

        TokenAttention(int dim, int emb) {
            this.emb = emb;
            this.scale = (float) Math.pow(dim, -0.5);
            this.qkv = new Dense(this, "qkv", dim, 3 * emb, false);
            this.proj = new Dense(this, "proj", emb, emb, true);
        }

        @Override
        public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
            NDList parts = qkv.apply(ps, x, training).split(3, 2); // 3 x (B, T, e)
            NDArray q = parts.get(0);
            NDArray k = parts.get(1);
            NDArray v = parts.get(2);
            NDArray attn = q.mul(HostArrays.scalar(q, scale)).matMul(k.transpose(0, 2, 1)).softmax(-1); // (B, T, T)
            return v.add(proj.apply(ps, attn.matMul(v), training));
        }

        long macs(long tokens) {
            return qkv.macs(tokens) + proj.macs(tokens) + 2 * tokens * tokens * emb;
        }
    }
}
