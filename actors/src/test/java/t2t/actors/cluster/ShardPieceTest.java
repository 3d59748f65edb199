package t2t.actors.cluster;

import org.junit.jupiter.api.Test;
import t2t.actors.AggregatorActor;
import t2t.actors.runtime.ShardRange;
import t2t.actors.serialization.KryoSerializer;
import t2t.protocol.TensorCodec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardPieceTest {
    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    /** A shard as large as the cluster allows, with AdamW moments, a step counter and an EMA inside the optimizer. */
    private static AggregatorActor.ShardState fullShard() {
        int n = TensorCodec.MAX_CHUNK_FLOATS;
        Map<String, float[]> opt = new LinkedHashMap<>();
        opt.put("exp_avg", random(n, 2));
        opt.put("exp_avg_sq", random(n, 3));
        opt.put("step", new float[] {Float.intBitsToFloat(17), 0f});
        opt.put("ema", random(n, 4));
        return new AggregatorActor.ShardState(5, 17, random(n, 1), opt, opt.get("ema").clone());
    }

    private static AggregatorActor.ShardState roundTrip(List<ShardPiece> pieces) {
        List<ShardPiece> shuffled = new ArrayList<>(pieces);
        Collections.shuffle(shuffled, new Random(7));
        ShardPiece.Assembly a = new ShardPiece.Assembly();
        for (int i = 0; i < shuffled.size(); i++) {
            assertEquals(i == shuffled.size() - 1, a.add(shuffled.get(i)), "complete only with the last piece");
        }
        return a.state();
    }

    @Test
    void aShardStateArrivesExactlyInAnyOrder() {
        AggregatorActor.ShardState s = fullShard();
        List<ShardPiece> pieces = ShardPiece.split(s, true);
        // params, two moments, step, the optimizer's EMA, and an empty marker: the EMA's data travels once
        assertEquals(6, pieces.size());
        assertEquals(4L * TensorCodec.MAX_CHUNK_FLOATS + 2, pieces.stream().mapToLong(p -> p.data().length).sum());
        AggregatorActor.ShardState back = roundTrip(pieces);
        assertEquals(5, back.shard());
        assertEquals(17, back.stepsApplied());
        assertArrayEquals(s.params(), back.params());
        assertEquals(s.optimizer().keySet(), back.optimizer().keySet());
        s.optimizer().forEach((k, v) -> assertArrayEquals(v, back.optimizer().get(k), k));
        assertArrayEquals(s.ema(), back.ema());
    }

    @Test
    void arraysLongerThanAChunkAndAnEmaOfItsOwnTravelInSeveralPieces() {
        float[] params = random(TensorCodec.MAX_CHUNK_FLOATS * 2 + 3, 9);
        AggregatorActor.ShardState s = new AggregatorActor.ShardState(0, 0, params, Map.of(), random(10, 8));
        List<ShardPiece> pieces = ShardPiece.split(s, false);
        assertEquals(4, pieces.size());
        AggregatorActor.ShardState back = roundTrip(pieces);
        assertArrayEquals(params, back.params());
        assertArrayEquals(s.ema(), back.ema());
        assertTrue(back.optimizer().isEmpty());
        assertNull(roundTrip(ShardPiece.split(new AggregatorActor.ShardState(0, 0, params, Map.of(), null), false)).ema());
    }

    @Test
    void everyPieceFitsOneLargeFrameOnTheWire() throws Exception {
        KryoSerializer kryo = new KryoSerializer(null);
        ShardRange range = new ShardRange(5, 0, TensorCodec.MAX_CHUNK_FLOATS);
        for (ShardPiece p : ShardPiece.split(fullShard(), true)) {
            assertTrue(p.data().length <= TensorCodec.MAX_CHUNK_FLOATS);
            for (Object m : List.of(new ShardHost.Put(range, p, null), new ShardGather.Piece("t#1", p, null))) {
                byte[] bytes = kryo.toBinary(m);
                // Artery adds its envelope (sender and recipient paths, manifest): well under 1 MiB of headroom.
                assertTrue(bytes.length < ShardLayout.MAX_FRAME_BYTES - 64 * 1024, bytes.length + " bytes");
                Object back = kryo.fromBinary(bytes, kryo.manifest(m));
                ShardPiece q = back instanceof ShardHost.Put put ? put.piece() : ((ShardGather.Piece) back).piece();
                assertArrayEquals(p.data(), q.data());
                assertEquals(p.name(), q.name());
            }
        }
    }

    @Test
    void aPieceOfAnotherTransferIsRefused() {
        List<ShardPiece> a = ShardPiece.split(fullShard(), true);
        ShardPiece.Assembly assembly = new ShardPiece.Assembly();
        assertFalse(assembly.add(a.get(0)));
        ShardPiece other = a.get(1);
        ShardPiece wrongShard = new ShardPiece(other.shard() + 1, other.stepsApplied(), other.restore(), other.pieces(),
                other.name(), other.length(), other.offset(), other.data());
        assertThrows(IllegalArgumentException.class, () -> assembly.add(wrongShard));
        ShardPiece overflowing = new ShardPiece(other.shard(), other.stepsApplied(), other.restore(), other.pieces(),
                other.name(), other.length(), other.length() - 1, other.data());
        assertThrows(IllegalArgumentException.class, () -> assembly.add(overflowing));
    }
}
