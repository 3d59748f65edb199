package t2t.model.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * A DJL block with loaded weights as the teacher. A {@link DenseLogitsBlock} (the CNN family)
 * gives token targets; any other block is run with {@code forward(..., training=false)} and its
 * outputs read by the {@link TeacherOutputs} contract (output 0 global logits, optional output 1
 * per-location logits), which is how a T2T-ViT checkpoint of our own runs becomes a teacher.
 *
 * <p>The block's parameters stay owned by the caller (who initialized it and loaded its weights);
 * {@link #close()} closes the {@code owned} resource given at construction, if any.
 */
public final class BlockTeacher implements Teacher {

    private final String name;
    private final Block block;
    private final int numClasses;
    private final AutoCloseable owned;
    private final TeacherForward forward;

    /**
     * A block whose eval-mode {@code forward} already follows the {@link TeacherOutputs} contract
     * (or a {@link DenseLogitsBlock}).
     *
     * @param owned what to close with the teacher (e.g. the NDManager holding its weights), or null
     */
    public BlockTeacher(String name, Block block, int numClasses, AutoCloseable owned) {
        this(name, block, numClasses, null, owned);
    }

    /**
     * A block run by a custom {@code forward} (null: the default described above).
     */
    public BlockTeacher(String name, Block block, int numClasses, TeacherForward forward, AutoCloseable owned) {
        if (!block.isInitialized()) {
            throw new IllegalArgumentException("teacher block " + name + " is not initialized: load its weights first");
        }
        this.name = name;
        this.block = block;
        this.numClasses = numClasses;
        this.owned = owned;
        this.forward = forward;
    }

    /** A dense-logits block (its class count is its own). */
    public BlockTeacher(String name, DenseLogitsBlock block, AutoCloseable owned) {
        this(name, block, block.numClasses(), null, owned);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public TeacherTargets targets(NDArray images, TokenGrid grid) {
        return TeacherOutputs.scoped(images, grid, name, this::run);
    }

    private NDList run(NDArray images, ParameterStore ps) {
        if (forward != null) {
            return forward.apply(ps, images);
        }
        if (block instanceof DenseLogitsBlock) {
            return ((DenseLogitsBlock) block).locationLogits(ps, images);
        }
        return block.forward(ps, new NDList(images), false);
    }

    @Override
    public void close() {
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing teacher " + name + " failed", e);
            }
        }
    }
}
