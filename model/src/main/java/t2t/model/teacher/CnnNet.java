package t2t.model.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * A ResNet-style classifier that is also a dense teacher. {@link #forward} returns the global
 * logits {@code [B, classes]} (trainable like any model); {@link #locationLogits} also returns the
 * classifier applied at every location of the last feature map (a 1x1 conv with the head's own
 * weights), {@code [B, classes, h, w]}. Global average pooling commutes with the linear head, so
 * the mean of the location logits is the global logits.
 */
public final class CnnNet extends AbstractBlock implements DenseLogitsBlock {

    private static final byte VERSION = 1;

    private final CnnConfig config;
    private final int numClasses;
    private final Conv2d stemConv;
    private final BatchNorm stemBn;
    private final Block stemPool;
    private final List<ResidualBlock> blocks = new ArrayList<>();
    private final Linear head;

    public CnnNet(CnnConfig config, int numClasses) {
        super(VERSION);
        if (numClasses <= 0) {
            throw new IllegalArgumentException("num classes must be positive, got " + numClasses);
        }
        this.config = config;
        this.numClasses = numClasses;
        int k = config.stemKernel();
        stemConv = addChildBlock("stem_conv", ResidualBlock.conv(config.stemChannels(), k, config.stemStride(), k / 2));
        stemBn = addChildBlock("stem_bn", ResidualBlock.batchNorm());
        stemPool = config.stemPool()
                ? addChildBlock("stem_pool", Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)))
                : null;
        int in = config.stemChannels();
        for (int s = 0; s < config.widths().length; s++) {
            for (int d = 0; d < config.depths()[s]; d++) {
                int stride = d == 0 ? config.strides()[s] : 1;
                blocks.add(addChildBlock("layer" + (s + 1) + "_" + d, new ResidualBlock(in, config.widths()[s], stride)));
                in = config.widths()[s];
            }
        }
        head = addChildBlock("fc", Linear.builder().setUnits(numClasses).build());
    }

    public CnnConfig config() {
        return config;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    private NDArray features(ParameterStore ps, NDArray x, boolean training) {
        NDList h = stemConv.forward(ps, new NDList(x), training);
        h = stemBn.forward(ps, h, training);
        h = new NDList(Activation.relu(h.singletonOrThrow()));
        if (stemPool != null) {
            h = stemPool.forward(ps, h, training);
        }
        for (ResidualBlock b : blocks) {
            h = b.forward(ps, h, training);
        }
        return h.singletonOrThrow(); // (B, F, h, w)
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray f = features(ps, inputs.singletonOrThrow(), training);
        return head.forward(ps, new NDList(globalAvgPool(f)), training);
    }

    private static NDArray globalAvgPool(NDArray f) {
        // PyTorch engine's mean takes one axis: flatten the map first
        return f.reshape(f.getShape().get(0), f.getShape().get(1), -1).mean(new int[] {2}); // (B, F)
    }

    /** Eval-mode (BatchNorm running statistics) global and per-location logits. */
    @Override
    public NDList locationLogits(ParameterStore ps, NDArray images) {
        NDArray f = features(ps, images, false);
        NDArray global = head.forward(ps, new NDList(globalAvgPool(f)), false).singletonOrThrow(); // (B, C)
        NDArray perLocation = head.forward(ps, new NDList(f.transpose(0, 2, 3, 1)), false) // (B, h, w, C)
                .singletonOrThrow()
                .transpose(0, 3, 1, 2); // (B, C, h, w)
        return new NDList(global, perLocation);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), numClasses)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape[] s = inputShapes;
        stemConv.initialize(manager, dataType, s);
        s = stemConv.getOutputShapes(s);
        stemBn.initialize(manager, dataType, s);
        if (stemPool != null) {
            stemPool.initialize(manager, dataType, s);
            s = stemPool.getOutputShapes(s);
        }
        for (ResidualBlock b : blocks) {
            b.initialize(manager, dataType, s);
            s = b.getOutputShapes(s);
        }
        head.initialize(manager, dataType, new Shape(s[0].get(0), s[0].get(1)));
    }
}
