package t2t.actors.cluster;

import t2t.actors.AggregatorActor;
import t2t.actors.runtime.ShardRange;
import t2t.protocol.TensorCodec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shards sized for the wire: in a cluster every shard is at most one {@link TensorCodec} chunk
 * (1 MiB of floats), so a shard's gradient or parameters is one chunk on Artery's large-message
 * lane and the lane's 2 MiB frames always suffice; the shard count grows with the model instead.
 */
public final class ShardLayout {
    /** Artery's large-message frame: one chunk plus headers, with room to spare. */
    public static final int MAX_FRAME_BYTES = 2 * 1024 * 1024;

    private ShardLayout() {}

    public static List<ShardRange> ranges(int params, int minShards) {
        int needed = (params + TensorCodec.MAX_CHUNK_FLOATS - 1) / TensorCodec.MAX_CHUNK_FLOATS;
        return ShardRange.split(params, Math.min(params, Math.max(minShards, needed)));
    }

    /** The same parameters and optimizer state cut along other shard boundaries. */
    public static List<AggregatorActor.ShardState> reshard(List<AggregatorActor.ShardState> shards,
                                                           List<ShardRange> ranges) {
        int n = shards.stream().mapToInt(s -> s.params().length).sum();
        float[] params = new float[n];
        float[] ema = shards.get(0).ema() == null ? null : new float[n];
        Map<String, float[]> opt = new LinkedHashMap<>();
        int off = 0;
        for (AggregatorActor.ShardState s : shards) {
            System.arraycopy(s.params(), 0, params, off, s.params().length);
            if (ema != null) {
                System.arraycopy(s.ema(), 0, ema, off, s.ema().length);
            }
            for (Map.Entry<String, float[]> e : s.optimizer().entrySet()) {
                if (e.getKey().equals("step")) {
                    opt.put("step", e.getValue());
                } else {
                    float[] all = opt.computeIfAbsent(e.getKey(), k -> new float[n]);
                    System.arraycopy(e.getValue(), 0, all, off, e.getValue().length);
                }
            }
            off += s.params().length;
        }
        long applied = shards.get(0).stepsApplied();
        List<AggregatorActor.ShardState> out = new ArrayList<>();
        for (ShardRange r : ranges) {
            Map<String, float[]> o = new LinkedHashMap<>();
            opt.forEach((k, v) -> o.put(k, k.equals("step") ? v.clone() : Arrays.copyOfRange(v, r.offset(), r.end())));
            out.add(new AggregatorActor.ShardState(r.shard(), applied, Arrays.copyOfRange(params, r.offset(), r.end()), o,
                    ema == null ? null : Arrays.copyOfRange(ema, r.offset(), r.end())));
        }
        return out;
    }
}
