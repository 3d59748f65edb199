package t2t.actors.cluster;

import t2t.actors.AggregatorActor;
import t2t.protocol.TensorCodec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One piece of a parameter shard's state on its way between nodes: at most one {@link TensorCodec}
 * chunk (1 MiB) of one of its arrays. A shard's parameters, AdamW moments and EMA together are
 * several MiB, more than one Artery large frame ({@link ShardLayout#MAX_FRAME_BYTES}), so a state
 * travels as its pieces and is put together again by an {@link Assembly} at the other end.
 *
 * @param restore  whether the receiver restores the whole state (a checkpoint or a moved shard), or
 *                 only starts from the parameters (a fresh job)
 * @param pieces   how many pieces the state has in all
 * @param name     which array: {@code p} the parameters, {@code o:KEY} an optimizer entry,
 *                 {@code e} the EMA, or {@code e=o:ema} (no data) when the EMA is the optimizer's
 * @param length   that array's whole length; {@code offset} where {@code data} starts in it
 */
public record ShardPiece(int shard, long stepsApplied, boolean restore, int pieces, String name, int length,
                         int offset, float[] data) {
    private static final String PARAMS = "p";
    private static final String EMA = "e";
    private static final String OPTIMIZER = "o:";
    private static final String EMA_IN_OPTIMIZER = "e=o:ema";

    /** The pieces of {@code state}, in a fixed order. */
    public static List<ShardPiece> split(AggregatorActor.ShardState state, boolean restore) {
        List<Object[]> arrays = new ArrayList<>();
        arrays.add(new Object[] {PARAMS, state.params()});
        if (state.optimizer() != null) {
            state.optimizer().forEach((k, v) -> arrays.add(new Object[] {OPTIMIZER + k, v}));
        }
        boolean emaInOptimizer = state.ema() != null && state.optimizer() != null
                && Arrays.equals(state.ema(), state.optimizer().get("ema"));
        if (emaInOptimizer) {
            arrays.add(new Object[] {EMA_IN_OPTIMIZER, new float[0]});
        } else if (state.ema() != null) {
            arrays.add(new Object[] {EMA, state.ema()});
        }
        int count = 0;
        for (Object[] a : arrays) {
            count += chunks(((float[]) a[1]).length);
        }
        List<ShardPiece> out = new ArrayList<>(count);
        for (Object[] a : arrays) {
            float[] v = (float[]) a[1];
            for (int c = 0; c < chunks(v.length); c++) {
                int from = c * TensorCodec.MAX_CHUNK_FLOATS;
                int to = Math.min(v.length, from + TensorCodec.MAX_CHUNK_FLOATS);
                out.add(new ShardPiece(state.shard(), state.stepsApplied(), restore, count, (String) a[0], v.length, from,
                        Arrays.copyOfRange(v, from, to)));
            }
        }
        return out;
    }

    private static int chunks(int length) {
        return Math.max(1, (length + TensorCodec.MAX_CHUNK_FLOATS - 1) / TensorCodec.MAX_CHUNK_FLOATS);
    }

    /** Collects the pieces of one state, in any order; refuses pieces that disagree with the first. */
    public static final class Assembly {
        private final Map<String, float[]> arrays = new LinkedHashMap<>();
        private ShardPiece first;
        private int received;

        /** Adds a piece; true once every piece is in. */
        public boolean add(ShardPiece p) {
            if (first == null) {
                first = p;
            } else if (p.shard() != first.shard() || p.stepsApplied() != first.stepsApplied()
                    || p.pieces() != first.pieces() || p.restore() != first.restore()) {
                throw new IllegalArgumentException("piece of shard " + p.shard() + " disagrees with the transfer of shard "
                        + first.shard());
            }
            float[] whole = arrays.computeIfAbsent(p.name(), k -> new float[p.length()]);
            if (whole.length != p.length() || p.offset() < 0 || p.offset() + p.data().length > whole.length) {
                throw new IllegalArgumentException("piece " + p.name() + " at " + p.offset() + " does not fit "
                        + whole.length + " elements");
            }
            System.arraycopy(p.data(), 0, whole, p.offset(), p.data().length);
            return ++received == first.pieces();
        }

        public boolean restore() {
            return first.restore();
        }

        /** The state, once {@link #add} returned true. */
        public AggregatorActor.ShardState state() {
            Map<String, float[]> optimizer = new LinkedHashMap<>();
            arrays.forEach((k, v) -> {
                if (k.startsWith(OPTIMIZER)) {
                    optimizer.put(k.substring(OPTIMIZER.length()), v);
                }
            });
            float[] ema = arrays.containsKey(EMA_IN_OPTIMIZER) ? optimizer.get("ema") : arrays.get(EMA);
            return new AggregatorActor.ShardState(first.shard(), first.stepsApplied(), arrays.get(PARAMS), optimizer, ema);
        }
    }
}
