package t2t.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A DJL block whose parameters and children carry the official PyTorch state-dict names, so that
 * {@link #collect} lists them in the official order (a module's own parameters, then its children
 * in registration order) and weights load from the official files by name.
 *
 * <p>Arrays are set by the model's {@code initializeWeights} or by weight loading, never by DJL's
 * initializers: parameters are created without a shape, and DJL's {@code initialize} only walks
 * the children.
 */
public abstract class NamedBlock extends AbstractBlock {

    private final List<Object> entries = new ArrayList<>();
    private final List<String> entryNames = new ArrayList<>();

    /** The block's computation on one tensor. */
    public abstract NDArray forward(ParameterStore ps, NDArray x, boolean training);

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    protected Parameter param(String name, Shape shape, Init init, boolean trainable) {
        Parameter p = Parameter.builder()
                .setName(name)
                .setType(name.endsWith("bias") ? Parameter.Type.BIAS : Parameter.Type.WEIGHT)
                .optRequiresGrad(trainable)
                .build();
        addParameter(p);
        entries.add(new ParamSpec(name, p, shape, init, trainable));
        entryNames.add(name);
        return p;
    }

    protected <B extends NamedBlock> B child(String name, B block) {
        addChildBlock(name, block);
        entries.add(block);
        entryNames.add(name);
        return block;
    }

    /** Appends this block's tensors, named {@code prefix + name}, in state-dict order. */
    public void collect(String prefix, List<ParamSpec> out) {
        for (int i = 0; i < entries.size(); i++) {
            Object e = entries.get(i);
            if (e instanceof ParamSpec s) {
                out.add(new ParamSpec(prefix + s.name(), s.parameter(), s.shape(), s.init(), s.trainable()));
            } else {
                ((NamedBlock) e).collect(prefix + entryNames.get(i) + ".", out);
            }
        }
    }

    /** The value of {@code p} for this forward pass, on the device of {@code like}. */
    protected static NDArray value(ParameterStore ps, Parameter p, NDArray like, boolean training) {
        return ps.getValue(p, like.getDevice(), training);
    }

    /**
     * Runs {@code body} with its intermediates in a sub-manager that is closed on return, keeping
     * only the result (attached to {@code x}'s manager). Autograd keeps what backward needs alive
     * inside libtorch, so closing the Java handles early frees memory per block instead of per step.
     */
    protected static NDArray scoped(NDArray x, UnaryOperator<NDArray> body) {
        NDManager outer = x.getManager();
        try (NDManager scope = outer.newSubManager()) {
            x.tempAttach(scope);
            NDArray y = body.apply(x);
            y.attach(outer);
            HostArrays.keepJavaBacked(scope, outer);
            return y;
        }
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Block child : getChildren().values()) {
            child.initialize(manager, dataType, inputShapes);
        }
    }

    @Override
    public void prepare(Shape[] inputShapes) {
        // Shapes are fixed at construction; nothing to infer.
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no shape inference");
    }
}
