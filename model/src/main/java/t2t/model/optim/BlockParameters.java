package t2t.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A DJL block's parameters seen as the flat vector: the order is the block's
 * {@code getParameters()} order, trainable means {@code requiresGradient()} (BatchNorm running
 * statistics are not). Copies values and gradients between the block and float arrays, which is
 * how a worker hands gradients to the aggregators and takes updated parameters back.
 */
public final class BlockParameters {

    private final List<Parameter> trainable = new ArrayList<>();
    private final List<FlatLayout.Entry> entries = new ArrayList<>();

    public BlockParameters(Block block) {
        if (!block.isInitialized()) {
            throw new IllegalArgumentException("block must be initialized before its parameters are laid out");
        }
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter param = p.getValue();
            boolean train = param.requiresGradient();
            entries.add(new FlatLayout.Entry(p.getKey(), param.getArray().getShape().getShape(), train));
            if (train) {
                trainable.add(param);
            }
        }
    }

    /** The block's entries in order, names as DJL gives them. */
    public List<FlatLayout.Entry> entries() {
        return List.copyOf(entries);
    }

    public FlatLayout layout(DecayRule rule) {
        return FlatLayout.of(entries, rule);
    }

    public int size() {
        int n = 0;
        for (Parameter p : trainable) {
            n += (int) p.getArray().size();
        }
        return n;
    }

    /** Trainable values into {@code dst[0 .. size)}. */
    public void readValues(float[] dst) {
        int off = 0;
        for (Parameter p : trainable) {
            float[] v = p.getArray().toFloatArray();
            System.arraycopy(v, 0, dst, off, v.length);
            off += v.length;
        }
    }

    /**
     * Trainable gradients (from the last backward) into {@code dst[0 .. size)}, then zeroes them:
     * DJL's PyTorch engine accumulates into {@code .grad} across gradient collectors (its Trainer
     * clears them in the optimizer update, which we do not use), so without this the next backward
     * would add onto this one.
     */
    public void takeGradients(float[] dst) {
        int off = 0;
        for (Parameter p : trainable) {
            try (NDArray g = p.getArray().getGradient()) {
                float[] v = g.toFloatArray();
                System.arraycopy(v, 0, dst, off, v.length);
                off += v.length;
                g.subi(g);
            }
        }
    }

    /** Overwrites the trainable values from {@code src[0 .. size)}, in place (no autograd record). */
    public void writeValues(float[] src) {
        int off = 0;
        for (Parameter p : trainable) {
            NDArray a = p.getArray();
            int n = (int) a.size();
            a.set(FloatBuffer.wrap(src, off, n).slice());
            off += n;
        }
    }
}
