package t2t.model.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * ResNet's basic block (He et al. 2016, v1): two 3x3 conv + BatchNorm, ReLU between, identity
 * shortcut or a strided 1x1 conv + BatchNorm when the shape changes; ReLU after the sum.
 */
public final class ResidualBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final Conv2d conv1;
    private final BatchNorm bn1;
    private final Conv2d conv2;
    private final BatchNorm bn2;
    private final Conv2d downConv;
    private final BatchNorm downBn;

    public ResidualBlock(int inChannels, int outChannels, int stride) {
        super(VERSION);
        conv1 = addChildBlock("conv1", conv(outChannels, 3, stride, 1));
        bn1 = addChildBlock("bn1", batchNorm());
        conv2 = addChildBlock("conv2", conv(outChannels, 3, 1, 1));
        bn2 = addChildBlock("bn2", batchNorm());
        if (stride != 1 || inChannels != outChannels) {
            downConv = addChildBlock("downsample_conv", conv(outChannels, 1, stride, 0));
            downBn = addChildBlock("downsample_bn", batchNorm());
        } else {
            downConv = null;
            downBn = null;
        }
    }

    static Conv2d conv(int filters, int kernel, int stride, int padding) {
        return Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .setFilters(filters)
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(padding, padding))
                .optBias(false)
                .build();
    }

    static BatchNorm batchNorm() {
        // DJL's momentum weighs the old running value: 0.9 here is torch's momentum 0.1
        return BatchNorm.builder().optMomentum(0.9f).optEpsilon(1e-5f).build();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow(); // (B, Cin, H, W)
        NDList h = conv1.forward(ps, inputs, training);
        h = bn1.forward(ps, h, training);
        h = new NDList(Activation.relu(h.singletonOrThrow()));
        h = conv2.forward(ps, h, training);
        h = bn2.forward(ps, h, training); // (B, Cout, H/s, W/s)
        NDArray shortcut = x;
        if (downConv != null) {
            shortcut = downBn.forward(ps, downConv.forward(ps, inputs, training), training).singletonOrThrow();
        }
        return new NDList(Activation.relu(h.singletonOrThrow().add(shortcut)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return bn2.getOutputShapes(conv2.getOutputShapes(conv1.getOutputShapes(inputShapes)));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        conv1.initialize(manager, dataType, inputShapes);
        Shape[] mid = conv1.getOutputShapes(inputShapes);
        bn1.initialize(manager, dataType, mid);
        conv2.initialize(manager, dataType, mid);
        bn2.initialize(manager, dataType, conv2.getOutputShapes(mid));
        if (downConv != null) {
            downConv.initialize(manager, dataType, inputShapes);
            downBn.initialize(manager, dataType, downConv.getOutputShapes(inputShapes));
        }
    }
}
