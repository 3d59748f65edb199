package t2t.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import t2t.model.layers.Block;
import t2t.model.layers.Dense;
import t2t.model.layers.Init;
import t2t.model.layers.NamedBlock;
import t2t.model.layers.Noise;
import t2t.model.layers.Norm;
import t2t.model.layers.ParamSpec;
import t2t.model.layers.PatchEmbed;
import t2t.model.layers.T2tModule;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * T2T-ViT (Yuan et al. 2021), with the heads switchable per model: classification (official),
 * DeiT's distillation token + {@code head_dist}, TokenLabeling's {@code aux_head}.
 *
 * <p>Use: {@code T2tVit m = ModelRegistry.createT2t("t2t_vit_7", Map.of());}
 * {@code m.initializeWeights(manager, DataType.FLOAT32, seed)} (or load weights with
 * {@code t2t.model.io.Weights.load}); then
 * <ul>
 *   <li>training: {@link #forwardTrain(ParameterStore, NDArray)} inside a GradientCollector gives a
 *       {@link ModelOutputs} (cls [B,C], dist [B,C] or null, aux [B,N,C] or null);</li>
 *   <li>eval: {@link #predict(NDArray)} or {@link #forwardEval} gives [B, C] (the heads combined as
 *       {@link ModelOutputs#evalLogits()} documents).</li>
 * </ul>
 * As a DJL block, {@code forward(ps, NDList(x), training)} returns {@link ModelOutputs#toNDList()}
 * when training and the single eval logits otherwise.
 *
 * <p>Tokens are [cls, (dist), patches]; the position table is the fixed sinusoid of that length,
 * in the state dict and not trained.
 */
public final class T2tVit extends NamedBlock implements VisionModel, StagedForward {
    private final T2tConfig config;
    private final Parameter clsToken;
    private final Parameter distToken;
    private final Parameter posEmbed;
    /** The T2T module, or ViT's patch embedding for {@code tokens_type=patch}. */
    private final NamedBlock tokensToToken;
    private final int gridSize;
    private final long tokensMacs;
    private final List<Block> blocks = new ArrayList<>();
    private final Norm norm;
    private final Dense head;
    private final Dense headDist;
    private final Dense auxHead;
    private final int prefixTokens;

    public T2tVit(T2tConfig c) {
        this.config = c;
        int d = c.embedDim();
        if (c.tokensType().equals("patch")) {
            PatchEmbed p = new PatchEmbed(c.imgSize(), c.inChans(), d, c.softSplit());
            this.tokensToToken = p;
            this.gridSize = p.gridSize();
            this.tokensMacs = p.macs();
        } else {
            T2tModule t = new T2tModule(c.imgSize(), c.inChans(), d, c.tokenDim(), c.tokensType(), c.softSplit());
            this.tokensToToken = t;
            this.gridSize = t.gridSize();
            this.tokensMacs = t.macs();
        }
        this.prefixTokens = c.distillation() ? 2 : 1;
        int tokens = numPatches() + prefixTokens;
        this.clsToken = param("cls_token", new Shape(1, 1, d), Init.truncNormal(0.02), true);
        this.distToken = c.distillation() ? param("dist_token", new Shape(1, 1, d), Init.truncNormal(0.02), true) : null;
        this.posEmbed = param("pos_embed", new Shape(1, tokens, d), Init.SINUSOID, false);
        child("tokens_to_token", tokensToToken);
        BlockList list = child("blocks", new BlockList());
        for (int i = 0; i < c.depth(); i++) {
            float rate = c.depth() == 1 ? 0f : c.dropPathRate() * i / (c.depth() - 1); // linspace(0, rate, depth)
            blocks.add(list.add(new Block(d, c.numHeads(), c.mlpRatio(), c.qkvBias(), c.qkScale(),
                    c.dropRate(), c.attnDropRate(), rate)));
        }
        this.norm = Norm.of(this, "norm", d);
        this.head = c.numClasses() > 0 ? Dense.of(this, "head", d, c.numClasses(), true) : null;
        this.headDist = c.distillation() && c.numClasses() > 0 ? Dense.of(this, "head_dist", d, c.numClasses(), true) : null;
        this.auxHead = c.tokenLabel() && c.numClasses() > 0 ? Dense.of(this, "aux_head", d, c.numClasses(), true) : null;
    }

    public T2tConfig config() {
        return config;
    }

    @Override
    public String variantName() {
        return config.name();
    }

    @Override
    public DataConfig dataConfig() {
        return DataConfig.imagenet(config.inChans(), config.imgSize());
    }

    @Override
    public int numClasses() {
        return config.numClasses();
    }

    /** Number of patch tokens N (grid side squared). */
    public int numPatches() {
        return gridSize * gridSize;
    }

    public int gridSize() {
        return gridSize;
    }

    @Override
    public List<ParamSpec> parameterSpecs() {
        List<ParamSpec> out = new ArrayList<>();
        collect("", out);
        return out;
    }

    @Override
    public void initializeWeights(NDManager manager, DataType dataType, long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        for (ParamSpec s : parameterSpecs()) {
            SplittableRandom rng = root.split(); // one stream per tensor, in state-dict order
            s.assign(manager, s.init().values(s.shape(), rng), dataType);
        }
    }

    /** Training forward: every head's output (dropouts and drop path active). */
    public ModelOutputs forwardTrain(ParameterStore ps, NDArray images) {
        return forwardParts(ps, images, true);
    }

    /** Eval forward: [B, C] from the heads combined. */
    public NDArray forwardEval(ParameterStore ps, NDArray images) {
        ModelOutputs o = forwardParts(ps, images, false);
        NDArray out = o.evalLogits();
        for (NDArray part : new NDArray[] {o.cls(), o.dist(), o.aux()}) {
            if (part != null && part != out) {
                part.close();
            }
        }
        return out;
    }

    @Override
    public NDArray predict(NDArray images) {
        return forwardEval(new ParameterStore(images.getManager(), false), images);
    }

    /** Single-array form: the cls logits when training (use {@link #forwardTrain} for every head), else the eval output. */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return training ? forwardTrain(ps, x).cls() : forwardEval(ps, x);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        return training ? forwardTrain(ps, x).toNDList() : new NDList(forwardEval(ps, x));
    }

    /** Features after the final norm, [B, prefix + N, D], and the heads on them. */
    public ModelOutputs forwardParts(ParameterStore ps, NDArray images, boolean training) {
        NDArray h = images;
        for (int k = 0; k < stageCount() - 1; k++) {
            NDArray next = forwardStage(k, ps, h, training);
            if (h != images) {
                h.close();
            }
            h = next;
        }
        ModelOutputs out = forwardLastStage(ps, h, training);
        if (h != images) {
            h.close();
        }
        return out;
    }

    /** Stages: the tokens (T2T module, prefix tokens, position table), then one per block; the last block carries the heads. */
    @Override
    public int stageCount() {
        return 1 + blocks.size();
    }

    @Override
    public NDArray forwardStage(int k, ParameterStore ps, NDArray in, boolean training) {
        if (k < 0 || k >= stageCount() - 1) {
            throw new IllegalArgumentException("stage " + k + " of " + stageCount() + " is not an inner stage");
        }
        return k == 0 ? embed(ps, in, training) : blocks.get(k - 1).forward(ps, in, training);
    }

    @Override
    public ModelOutputs forwardLastStage(ParameterStore ps, NDArray in, boolean training) {
        NDArray h = blocks.isEmpty() ? embed(ps, in, training) : blocks.get(blocks.size() - 1).forward(ps, in, training);
        NDArray features = norm.apply(ps, h, training);
        if (h != in) {
            h.close();
        }
        if (head == null) {
            return new ModelOutputs(features.get(":, 0"), null, null);
        }
        NDArray cls = head.apply(ps, features.get(":, 0"), training);
        NDArray dist = headDist == null ? null : headDist.apply(ps, features.get(":, 1"), training);
        NDArray aux = auxHead == null ? null
                : auxHead.apply(ps, features.get(new NDIndex(":, {}:", prefixTokens)), training);
        features.close();
        return new ModelOutputs(cls, dist, aux);
    }

    @Override
    public int stageOf(String tensorName) {
        if (tensorName.startsWith("blocks.")) {
            int i = Integer.parseInt(tensorName.substring(7, tensorName.indexOf('.', 7)));
            return Math.min(i + 1, stageCount() - 1);
        }
        if (tensorName.startsWith("norm.") || tensorName.startsWith("head.") || tensorName.startsWith("head_dist.")
                || tensorName.startsWith("aux_head.")) {
            return stageCount() - 1;
        }
        return 0;
    }

    /** Tokens with the prefix tokens and the position table added, [B, P + N, D]. */
    private NDArray embed(ParameterStore ps, NDArray images, boolean training) {
        NDArray x = tokensToToken.forward(ps, images, training); // (B, N, D)
        long b = x.getShape().get(0);
        long d = x.getShape().get(2);
        NDManager mgr = x.getManager();
        NDList parts = new NDList();
        parts.add(broadcastHere(value(ps, clsToken, x, training), mgr, b, d));
        if (distToken != null) {
            parts.add(broadcastHere(value(ps, distToken, x, training), mgr, b, d));
        }
        parts.add(x);
        NDArray h = scoped(x, t -> {
            NDArray y = NDArrays.concat(parts, 1).add(value(ps, posEmbed, t, training)); // (B, P + N, D)
            return Noise.dropout(y, config.dropRate(), training);
        });
        for (NDArray p : parts) {
            p.close();
        }
        return h;
    }

    private static NDArray broadcastHere(NDArray token, NDManager mgr, long b, long d) {
        NDArray t = token.broadcast(b, 1, d); // (B, 1, D), made in the parameter's manager
        t.attach(mgr);
        return t;
    }

    @Override
    public long macs() {
        long tokens = numPatches() + prefixTokens;
        long total = tokensMacs;
        for (Block blk : blocks) {
            total += blk.macs(tokens);
        }
        long heads = (head != null ? 1 : 0) + (headDist != null ? 1 : 0);
        total += heads * (long) config.embedDim() * config.numClasses();
        if (auxHead != null) {
            total += (long) numPatches() * config.embedDim() * config.numClasses();
        }
        return total;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.numClasses())};
    }

    /** The {@code blocks} ModuleList: children named 0, 1, 2, ... */
    private static final class BlockList extends NamedBlock {
        private int n;

        Block add(Block b) {
            return child(Integer.toString(n++), b);
        }

        @Override
        public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
            throw new UnsupportedOperationException("blocks run one by one from T2tVit");
        }
    }
}
