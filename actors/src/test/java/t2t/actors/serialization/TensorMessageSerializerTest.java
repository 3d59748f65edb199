package t2t.actors.serialization;

import org.junit.jupiter.api.Test;
import t2t.actors.AggregatorActor;
import t2t.actors.WorkerActor;
import t2t.actors.telemetry.DroppedMessages;
import t2t.actors.runtime.ShardRange;
import t2t.protocol.TensorCodec;
import t2t.protocol.wire.DType;
import t2t.protocol.wire.TensorChunk;

import java.io.ByteArrayOutputStream;
import java.io.NotSerializableException;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorMessageSerializerTest {
    private final TensorMessageSerializer ser = new TensorMessageSerializer(null);

    private static float[] randomFloats(int n) {
        SplittableRandom r = new SplittableRandom(3);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @Test
    void gradientsLargerThanAChunkTravelAsSeveralChunksAndComeBackExactly() throws Exception {
        float[] data = randomFloats(TensorCodec.MAX_CHUNK_FLOATS * 2 + 17);
        AggregatorActor.Gradient g = new AggregatorActor.Gradient(41, 3, "127.0.0.1:5/w0", data, 24, true, 0x5eedL);
        byte[] bytes = ser.toBinary(g);
        AggregatorActor.Gradient back = (AggregatorActor.Gradient) ser.fromBinary(bytes, ser.manifest(g));
        assertEquals(41, back.step());
        assertEquals(3, back.generation());
        assertEquals("127.0.0.1:5/w0", back.workerId());
        assertEquals(24, back.samples());
        assertTrue(back.snapshotAfter());
        assertEquals(0x5eedL, back.token());
        assertArrayEquals(data, back.data());
    }

    @Test
    void parametersKeepTheirShardRange() throws Exception {
        float[] data = randomFloats(1000);
        WorkerActor.ShardParams p = new WorkerActor.ShardParams(7, new ShardRange(2, 5000, 1000), data, -77L);
        WorkerActor.ShardParams back = (WorkerActor.ShardParams) ser.fromBinary(ser.toBinary(p), ser.manifest(p));
        assertEquals(new ShardRange(2, 5000, 1000), back.range());
        assertEquals(7, back.step());
        assertEquals(-77L, back.token());
        assertArrayEquals(data, back.data());
    }

    @Test
    void truncatedReorderedOrOversizedMessagesAreDroppedAndCounted() throws Exception {
        float[] data = randomFloats(TensorCodec.MAX_CHUNK_FLOATS + 5);
        AggregatorActor.Gradient g = new AggregatorActor.Gradient(1, 0, "w", data, 8, false, 0x5eedL);
        byte[] whole = ser.toBinary(g);
        long before = DroppedMessages.total();

        byte[] truncated = Arrays.copyOf(whole, whole.length - 100);
        assertThrows(NotSerializableException.class, () -> ser.fromBinary(truncated, "G"));

        TensorChunk first = TensorChunk.parseDelimitedFrom(new java.io.ByteArrayInputStream(whole));
        byte[] onlyFirstChunk = delimited(first);
        assertThrows(NotSerializableException.class, () -> ser.fromBinary(onlyFirstChunk, "G"), "incomplete");

        TensorChunk lying = first.toBuilder().setShardElements(1L << 40).build();
        assertThrows(NotSerializableException.class, () -> ser.fromBinary(delimited(lying), "G"), "oversized");

        TensorChunk f16 = TensorChunk.newBuilder(first).setDtype(DType.F16).setChunkCount(1).build();
        assertThrows(NotSerializableException.class, () -> ser.fromBinary(delimited(f16), "G"), "wrong dtype");

        assertThrows(NotSerializableException.class, () -> ser.fromBinary(new byte[] {(byte) 0xFF, 1, 2}, "G"));
        assertEquals(before + 5, DroppedMessages.total());
    }

    private static byte[] delimited(TensorChunk c) throws Exception {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        c.writeDelimitedTo(bo);
        return bo.toByteArray();
    }

    @Test
    void payloadsOverTheFrameLimitAreDroppedBeforeDecoding() throws Exception {
        float[] data = randomFloats(1000);
        AggregatorActor.Gradient g = new AggregatorActor.Gradient(1, 0, "w", data, 8, false, 0x5eedL);
        byte[] bytes = ser.toBinary(g);
        TensorMessageSerializer limited = new TensorMessageSerializer(bytes.length);
        assertArrayEquals(data, ((AggregatorActor.Gradient) limited.fromBinary(bytes, "G")).data(), "at the limit: kept");
        long before = DroppedMessages.byReason().getOrDefault("tensor oversized", 0L);
        TensorMessageSerializer smaller = new TensorMessageSerializer(bytes.length - 1);
        NotSerializableException e = assertThrows(NotSerializableException.class, () -> smaller.fromBinary(bytes, "G"));
        assertTrue(e.getMessage().contains("oversized"), e.getMessage());
        assertEquals(before + 1, DroppedMessages.byReason().get("tensor oversized"));
    }

    @Test
    void aHeaderClaimingMoreElementsThanTheMessageCarriesIsRefusedBeforeAllocating() throws Exception {
        AggregatorActor.Gradient g = new AggregatorActor.Gradient(1, 0, "w", randomFloats(10), 8, false, 0x5eedL);
        TensorChunk c = TensorChunk.parseDelimitedFrom(new java.io.ByteArrayInputStream(ser.toBinary(g)));
        // 2^28 floats (1 GiB) claimed by a 100-byte message: a node with a small heap would die allocating it.
        byte[] forged = delimited(c.toBuilder().setShardElements(TensorMessageSerializer.MAX_SHARD_ELEMENTS).build());
        NotSerializableException e = assertThrows(NotSerializableException.class, () -> ser.fromBinary(forged, "G"));
        assertTrue(e.getMessage().contains("elements in a message of"), e.getMessage());
    }
}
