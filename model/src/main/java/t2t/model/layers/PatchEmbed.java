package t2t.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;

import java.util.List;

/**
 * ViT's patch embedding, {@code tokens_type=patch}: one {@code nn.Conv2d(in_chans, embed_dim,
 * kernel_size=p, stride=p)}, then {@code flatten(2).transpose(1, 2)}: [B, C, H, W] -> [B, N, D].
 * Ours, for the ablation against the T2T module: the official T2T-ViT code has no such tokens type.
 * The patch size p is chosen so that the token grid equals the one the T2T split schedule gives at
 * the same image size (32 px, {@code small}: 8x8 tokens, p = 4; 224 px, official: 14x14, p = 16),
 * so the backbone, position table and heads are the same as the T2T model's.
 *
 * <p>Weights are {@code proj.weight} [D, C, p, p] and {@code proj.bias} [D] (under the model's
 * {@code tokens_to_token.}), initialized as PyTorch's Conv2d default (uniform within
 * 1/sqrt(C*p*p), weight and bias): the official inits touch only Linear and LayerNorm layers.
 *
 * <p>Computed as what that convolution is: a non-overlapping {@link SoftSplit} (kernel = stride = p,
 * feature order {@code c*p*p + ki*p + kj}, the weight's own layout) and a Linear with the weight
 * viewed as [D, C*p*p]. No convolution kernel on the model's path (see SoftSplit for why).
 */
public final class PatchEmbed extends NamedBlock {
    private final Parameter weight;
    private final Parameter bias;
    private final int patch;
    private final int grid;
    private final int inChans;
    private final int embedDim;
    private final SoftSplit split;

    public PatchEmbed(int imgSize, int inChans, int embedDim, List<SplitSpec> schedule) {
        this.patch = patchSize(imgSize, schedule);
        this.grid = imgSize / patch;
        this.inChans = inChans;
        this.embedDim = embedDim;
        this.split = new SoftSplit(new SplitSpec(patch, patch, 0));
        double bound = 1.0 / Math.sqrt((double) inChans * patch * patch);
        this.weight = param("proj.weight", new Shape(embedDim, inChans, patch, patch), uniform(bound), true);
        this.bias = param("proj.bias", new Shape(embedDim), uniform(bound), true);
    }

    /**
     * The patch size whose grid equals the final grid of {@code schedule} at {@code imgSize}.
     *
     * @throws IllegalArgumentException when that grid does not divide the image evenly
     */
    public static int patchSize(int imgSize, List<SplitSpec> schedule) {
        int side = imgSize;
        for (SplitSpec s : schedule) {
            side = s.outSize(side);
        }
        if (side < 1 || imgSize % side != 0) {
            throw new IllegalArgumentException("the split schedule " + SplitSpec.format(schedule) + " gives a "
                    + side + "x" + side + " token grid at img_size " + imgSize
                    + ", which no patch size tiles exactly");
        }
        return imgSize / side;
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray image, boolean training) {
        NDArray w = value(ps, weight, image, training);
        NDArray b = value(ps, bias, image, training);
        return scoped(image, x -> {
            NDArray patches = split.apply(x); // (B, N, C*p*p)
            NDArray flatWeight = w.reshape(embedDim, (long) inChans * patch * patch); // (D, C*p*p)
            return Linear.linear(patches, flatWeight, b).singletonOrThrow(); // (B, N, D)
        });
    }

    public int patchSize() {
        return patch;
    }

    public int gridSize() {
        return grid;
    }

    public int numPatches() {
        return grid * grid;
    }

    public long macs() {
        return (long) numPatches() * embedDim * inChans * patch * patch;
    }

    private static Init uniform(double bound) {
        return (shape, rng) -> {
            float[] v = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
            }
            return v;
        };
    }
}
