package t2t.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;

/**
 * The official {@code Token_performer}: linear attention with positive random features, one head.
 * Quirks kept on purpose: {@code kqv} splits in the order k, q, v; the random features {@code w}
 * [emb/2, emb] are frozen (orthogonal rows x sqrt(m), stored in the weights); features are
 * computed in at least float32; eps 1e-8; the residual is {@code v + dropout(proj(y))}, not the
 * input; both dropouts are 0.1, hard-coded, active in training.
 */
public final class TokenPerformer extends NamedBlock {
    private static final float DROPOUT = 0.1f;
    private static final float EPSILON = 1e-8f;

    private final Parameter w;
    private final Dense kqv;
    private final Dense proj;
    private final Norm norm1;
    private final Norm norm2;
    private final Dense mlp0;
    private final Dense mlp2;
    private final int emb;
    private final int m;
    private final int dim;

    /** @param dim input feature size (C*k*k of the split before); @param emb output size (token_dim) */
    public TokenPerformer(int dim, int emb) {
        this.dim = dim;
        this.emb = emb;
        this.m = emb / 2; // kernel_ratio 0.5
        this.w = param("w", new Shape(m, emb), Init.orthogonalRows(Math.sqrt(m)), false);
        this.kqv = new Dense(this, "kqv", dim, 3 * emb, true);
        this.proj = new Dense(this, "proj", emb, emb, true);
        this.norm1 = new Norm(this, "norm1", dim);
        this.norm2 = new Norm(this, "norm2", emb);
        this.mlp0 = new Dense(this, "mlp.0", emb, emb, true);
        this.mlp2 = new Dense(this, "mlp.2", emb, emb, true);
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray input, boolean training) {
        return scoped(input, x -> {
            NDList kqvParts = kqv.apply(ps, norm1.apply(ps, x, training), training).split(3, 2);
            NDArray k = atLeastFloat32(kqvParts.get(0)); // (B, T, e)
            NDArray q = atLeastFloat32(kqvParts.get(1));
            NDArray v = kqvParts.get(2);
            NDArray wv = value(ps, w, x, training).toType(k.getDataType(), false);
            // phi without its 1/sqrt(m): the factor appears once in the numerator and once in D,
            // so y = num'/(D' + m*eps) equals num/(D + eps) exactly and saves two passes
            NDArray kp = features(k, wv); // (B, T, m)
            NDArray qp = features(q, wv);
            NDArray d = qp.matMul(kp.sum(new int[] {1}).expandDims(2)); // (B, T, 1)
            NDArray kptv = atLeastFloat32(v).transpose(0, 2, 1).matMul(kp); // (B, e, m)
            // scale the m-wide qp row by 1/(D' + m*eps) before the product, not the e-wide result
            NDArray y = qp.mul(d.add(EPSILON * m).pow(HostArrays.scalar(d, -1))).matMul(kptv.transpose(0, 2, 1)); // (B, T, e)
            y = y.toType(v.getDataType(), false);
            NDArray t = v.add(Mlp.dropout(proj.apply(ps, y, training), DROPOUT, training));
            NDArray h = mlp2.apply(ps, Activation.gelu(mlp0.apply(ps, norm2.apply(ps, t, training), training)), training);
            return t.add(Mlp.dropout(h, DROPOUT, training));
        });
    }

    /** sqrt(m) phi(x) = exp(x w^T - |x|^2 / 2). */
    private NDArray features(NDArray x, NDArray wv) {
        // x*x, not square(): pow's backward is several times slower than mul's on CPU
        NDArray half = x.mul(x).sum(new int[] {2}, true).mul(HostArrays.scalar(x, 0.5)); // (B, T, 1)
        return Linear.linear(x, wv).singletonOrThrow().sub(half).exp();
    }

    private static NDArray atLeastFloat32(NDArray x) {
        DataType t = x.getDataType();
        return t == DataType.FLOAT16 || t == DataType.BFLOAT16 ? x.toType(DataType.FLOAT32, false) : x;
    }

    public long macs(long tokens) {
        long attention = 2 * tokens * emb * m + tokens * m + 2 * tokens * emb * m;
        return kqv.macs(tokens) + proj.macs(tokens) + mlp0.macs(tokens) + mlp2.macs(tokens) + attention;
    }

    public int inputDim() {
        return dim;
    }
}
