package t2t.model.teacher;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import t2t.model.DataConfig;
import t2t.model.ModelOutputs;
import t2t.model.VisionModel;
import t2t.model.layers.ParamSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * A CNN of {@link CnnTeachers} as a registered model, so the same runtime trains it (the demo's
 * teacher is trained this way) and its checkpoints load as teachers. Parameter names are DJL's
 * block paths (there is no official checkpoint format for these). BatchNorm running statistics
 * are non-trainable buffers.
 */
public final class CnnVisionModel extends AbstractBlock implements VisionModel {
    private static final byte VERSION = 1;

    private final String name;
    private final CnnNet net;
    private final DataConfig data;
    private List<ParamSpec> specs;

    public CnnVisionModel(String name, CnnNet net, DataConfig data) {
        super(VERSION);
        this.name = name;
        this.net = addChildBlock("net", net);
        this.data = data;
    }

    public CnnNet net() {
        return net;
    }

    @Override
    public String variantName() {
        return name;
    }

    @Override
    public DataConfig dataConfig() {
        return data;
    }

    @Override
    public int numClasses() {
        return net.numClasses();
    }

    /** Parameters exist once {@link #initializeWeights} gave them shapes. */
    @Override
    public List<ParamSpec> parameterSpecs() {
        if (specs == null) {
            throw new IllegalStateException("CNN " + name + " has no parameters before initializeWeights");
        }
        return specs;
    }

    /**
     * He-normal (fan-out) conv and linear weights, BatchNorm 1/0, from the engine's generator
     * seeded here: call it from one thread (the job's set-up does).
     */
    @Override
    public void initializeWeights(NDManager manager, DataType dataType, long seed) {
        Engine.getInstance().setRandomSeed((int) (seed ^ (seed >>> 32)));
        net.initialize(manager, dataType, new Shape(1, data.inChans(), data.imgSize(), data.imgSize()));
        List<ParamSpec> out = new ArrayList<>();
        for (Pair<String, Parameter> p : net.getParameters()) {
            Parameter param = p.getValue();
            boolean trainable = param.requiresGradient();
            out.add(new ParamSpec(p.getKey(), param, param.getArray().getShape(), null, trainable));
        }
        specs = List.copyOf(out);
    }

    /** DJL's blocks learn their parameters' shapes by initializing: weights to be loaded overwrite these. */
    @Override
    public void declareShapes(NDManager manager, DataType dataType) {
        if (specs == null) {
            initializeWeights(manager, dataType, 0);
        }
    }

    /** Training forward: global logits as the cls output (no distillation token, no aux head). */
    public ModelOutputs forwardTrain(ParameterStore ps, NDArray images) {
        return new ModelOutputs(net.forward(ps, new NDList(images), true).singletonOrThrow(), null, null);
    }

    @Override
    public NDArray predict(NDArray images) {
        ParameterStore ps = new ParameterStore(images.getManager(), false);
        return net.forward(ps, new NDList(images), false).singletonOrThrow();
    }

    /** Not computed for the CNN family. */
    @Override
    public long macs() {
        return -1;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return net.forward(ps, inputs, training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return net.getOutputShapes(inputShapes);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        net.initialize(manager, dataType, inputShapes);
    }

}
