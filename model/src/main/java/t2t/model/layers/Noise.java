package t2t.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/**
 * Randomness of stochastic layers (dropout, drop path). Inside {@link #seeded} the masks come from
 * a host generator seeded by the caller, so a training step can be replayed bit for bit (resume
 * from a checkpoint) and concurrent workers in one process do not share the engine's global
 * generator. Outside a scope the engine's generator is used.
 */
public final class Noise {
    private static final ThreadLocal<SplittableRandom> CURRENT = new ThreadLocal<>();

    private Noise() {}

    /** A scope on this thread; close it when the step's forward is done. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    public static Scope seeded(long seed) {
        SplittableRandom previous = CURRENT.get();
        CURRENT.set(new SplittableRandom(seed));
        return () -> {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        };
    }

    /**
     * A mask of {@code shape} whose entries are {@code 1/keep} with probability {@code keep} and 0
     * otherwise, in {@code like}'s manager and data type.
     */
    public static NDArray keepMask(NDArray like, Shape shape, float keep) {
        SplittableRandom rng = CURRENT.get();
        if (rng == null) {
            return like.getManager().randomUniform(0f, 1f, shape, like.getDataType()).add(keep).floor().div(keep);
        }
        int n = Math.toIntExact(shape.size());
        float[] m = new float[n];
        float scale = 1f / keep;
        for (int i = 0; i < n; i++) {
            m[i] = rng.nextFloat() < keep ? scale : 0f;
        }
        NDArray mask = like.getManager().create(m, shape);
        return like.getDataType() == DataType.FLOAT32 ? mask : mask.toType(like.getDataType(), false);
    }

    /** Inverted dropout with a {@link #keepMask}: identity when not training or at rate 0. */
    public static NDArray dropout(NDArray x, float rate, boolean training) {
        if (!training || rate <= 0f) {
            return x;
        }
        return x.mul(keepMask(x, x.getShape(), 1f - rate));
    }
}
