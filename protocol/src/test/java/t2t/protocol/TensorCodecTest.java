package t2t.protocol;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import t2t.protocol.wire.TensorChunk;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorCodecTest {
    @Test
    void roundTripsARangeAcrossManyChunksThroughTheWire() throws Exception {
        int n = TensorCodec.MAX_CHUNK_FLOATS * 2 + 17;
        float[] src = new float[n + 10];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < src.length; i++) {
            src[i] = (float) r.nextGaussian();
        }
        List<TensorChunk> chunks = TensorCodec.encode(new TensorCodec.Header(3, 7, 1, "w0", 32), src, 5, n);
        assertEquals(3, chunks.size());
        float[] dst = new float[n];
        for (TensorChunk c : chunks) {
            assertTrue(c.getSerializedSize() <= TensorCodec.MAX_CHUNK_BYTES + 64);
            TensorChunk wire = TensorChunk.parseFrom(c.toByteArray());
            assertNull(TensorCodec.validate(wire, n));
            TensorCodec.decodeInto(wire, dst, 0);
        }
        float[] expect = java.util.Arrays.copyOfRange(src, 5, 5 + n);
        assertArrayEquals(expect, dst);
    }

    @Test
    void refusesChunksThatDoNotFitTheShard() {
        TensorChunk ok = TensorCodec.encode(new TensorCodec.Header(0, 0, 0, "w", 1), new float[8], 0, 8).get(0);
        assertNull(TensorCodec.validate(ok, 8));
        assertNotNull(TensorCodec.validate(ok, 4), "shard size mismatch");
        assertNotNull(TensorCodec.validate(ok.toBuilder().setOffset(4).setShardElements(8).build(), 8), "overflow");
        assertNotNull(TensorCodec.validate(ok.toBuilder().setData(ByteString.copyFrom(new byte[7])).build(), 8), "ragged");
        assertNotNull(TensorCodec.validate(ok.toBuilder().setChunkIndex(2).build(), 8), "index");
    }
}
