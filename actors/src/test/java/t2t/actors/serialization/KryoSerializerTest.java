package t2t.actors.serialization;

import org.junit.jupiter.api.Test;

import java.io.NotSerializableException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KryoSerializerTest {
    private final KryoSerializer kryo = new KryoSerializer(null);

    @Test
    void registeredTypesRoundTrip() throws Exception {
        float[] v = {1f, -2.5f, Float.MIN_VALUE};
        byte[] bytes = kryo.toBinary(v);
        assertArrayEquals(v, (float[]) kryo.fromBinary(bytes, kryo.manifest(v)));
    }

    @Test
    void unregisteredTypesAreRefusedBothWays() {
        assertThrows(IllegalArgumentException.class, () -> kryo.toBinary(new java.util.Date()));
        assertThrows(NotSerializableException.class, () -> kryo.fromBinary(new byte[] {1, 2}, "java.util.Date"));
    }

    @Test
    void runtimeMessagesRoundTrip() throws Exception {
        t2t.actors.WorkerActor.Work w = new t2t.actors.WorkerActor.Work(12, 1, 2, 1, new long[] {5, 9, 3}, new int[] {0, 1, 0},
                true, false, 17L);
        t2t.actors.WorkerActor.Work wb = (t2t.actors.WorkerActor.Work) kryo.fromBinary(kryo.toBinary(w), kryo.manifest(w));
        assertArrayEquals(w.sampleIds(), wb.sampleIds());
        assertArrayEquals(w.copies(), wb.copies());
        org.junit.jupiter.api.Assertions.assertEquals(w.generation(), wb.generation());
        t2t.actors.Coordinator.StepDone d = new t2t.actors.Coordinator.StepDone("n/w0", 12, 1, 2, new long[] {5, 9},
                new long[] {3}, new t2t.actors.runtime.StudentCompute.StepLoss(1.5f, 1f, 0.25f, 0.25f), 2, 8.5, true, -5L);
        t2t.actors.Coordinator.StepDone db = (t2t.actors.Coordinator.StepDone) kryo.fromBinary(kryo.toBinary(d),
                kryo.manifest(d));
        org.junit.jupiter.api.Assertions.assertEquals(d.loss(), db.loss());
        assertArrayEquals(d.skippedIds(), db.skippedIds());
        org.junit.jupiter.api.Assertions.assertTrue(db.bucketsSent());
        // The step commit's two messages cross nodes too.
        t2t.actors.Coordinator.BucketArrived a = new t2t.actors.Coordinator.BucketArrived(12, 3, "n/w0", 9L);
        org.junit.jupiter.api.Assertions.assertEquals(a, kryo.fromBinary(kryo.toBinary(a), kryo.manifest(a)));
        t2t.actors.AggregatorActor.Commit c = new t2t.actors.AggregatorActor.Commit(12,
                new java.util.ArrayList<>(java.util.List.of("n/w0", "m/w1")), 8L);
        org.junit.jupiter.api.Assertions.assertEquals(c, kryo.fromBinary(kryo.toBinary(c), kryo.manifest(c)));
    }

    @Test
    void malformedBytesAreAnErrorNotACrash() {
        assertThrows(NotSerializableException.class, () -> kryo.fromBinary(new byte[] {(byte) 0xFF}, "[F"));
    }

    @Test
    void aFewBytesDeclaringAHugeArrayAreDroppedNotAnOutOfMemoryError() {
        // double[] of length 2^31 - 3 (varint length + 1): 16 GiB, more than any test JVM's heap.
        byte[] forged = {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07, 1, 2, 3};
        long before = t2t.actors.telemetry.DroppedMessages.total();
        NotSerializableException e = assertThrows(NotSerializableException.class, () -> kryo.fromBinary(forged, "[D"));
        assertTrue(e.getMessage().startsWith("malformed [D"), e.getMessage());
        assertEquals(before + 1, t2t.actors.telemetry.DroppedMessages.total());
    }

    @Test
    void payloadsOverTheFrameLimitAreDroppedBeforeDecoding() throws Exception {
        byte[] bytes = kryo.toBinary(new float[100]);
        assertEquals(100, ((float[]) new KryoSerializer(null, bytes.length).fromBinary(bytes, "[F")).length);
        NotSerializableException e = assertThrows(NotSerializableException.class,
                () -> new KryoSerializer(null, bytes.length - 1).fromBinary(bytes, "[F"));
        assertTrue(e.getMessage().contains("oversized"), e.getMessage());
    }
}
