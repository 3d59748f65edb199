package t2t.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

import java.util.ArrayList;
import java.util.List;

/**
 * Tokens-to-token: soft split, then for each later split a token layer (performer or
 * transformer) that maps C*k*k -> token_dim, the tokens folded back to an image and split again;
 * after the last split, {@code project = Linear(token_dim*k*k, embed_dim)}. The official schedule
 * has three splits (attention1, attention2); any schedule of two or more works the same way.
 */
public final class T2tModule extends NamedBlock {
    private final List<SoftSplit> splits = new ArrayList<>();
    private final List<NamedBlock> layers = new ArrayList<>();
    private final Dense project;
    private final int[] grid;
    private final int[] dims;

    public T2tModule(int imgSize, int inChans, int embedDim, int tokenDim, String tokensType, List<SplitSpec> schedule) {
        int n = schedule.size();
        grid = new int[n];
        dims = new int[n];
        int side = imgSize;
        for (int i = 0; i < n; i++) {
            SplitSpec s = schedule.get(i);
            side = s.outSize(side);
            if (side < 1) {
                throw new IllegalArgumentException("soft split " + SplitSpec.format(schedule)
                        + " leaves no tokens at img_size " + imgSize);
            }
            grid[i] = side;
            dims[i] = (i == 0 ? inChans : tokenDim) * s.kernel() * s.kernel();
            splits.add(new SoftSplit(s));
        }
        for (int i = 0; i < n - 1; i++) {
            NamedBlock layer = switch (tokensType) {
                case "performer" -> new TokenPerformer(dims[i], tokenDim);
                case "transformer" -> new TokenTransformer(dims[i], tokenDim);
                default -> throw new IllegalArgumentException("tokens_type must be performer or transformer, got " + tokensType);
            };
            layers.add(child("attention" + (i + 1), layer));
        }
        this.project = new Dense(this, "project", dims[n - 1], embedDim, true);
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray image, boolean training) {
        NDArray x = splits.get(0).apply(image); // (B, L0, C*k*k)
        for (int i = 0; i < layers.size(); i++) {
            NDArray tokens = layers.get(i).forward(ps, x, training); // (B, L, token_dim)
            x.close(); // autograd keeps what backward needs; the handle can go now
            long b = tokens.getShape().get(0);
            long c = tokens.getShape().get(2);
            final int side = grid[i];
            final SoftSplit next = splits.get(i + 1);
            x = scoped(tokens, t -> next.apply(t.transpose(0, 2, 1).reshape(b, c, side, side)));
            tokens.close();
        }
        NDArray out = scoped(x, t -> project.apply(ps, t, training)); // (B, N, D)
        x.close();
        return out;
    }

    /** Side of the final token grid. */
    public int gridSize() {
        return grid[grid.length - 1];
    }

    public int numPatches() {
        return gridSize() * gridSize();
    }

    public long macs() {
        long total = 0;
        for (int i = 0; i < layers.size(); i++) {
            long tokens = (long) grid[i] * grid[i];
            NamedBlock l = layers.get(i);
            total += l instanceof TokenPerformer p ? p.macs(tokens) : ((TokenTransformer) l).macs(tokens);
        }
        return total + project.macs(numPatches());
    }
}
