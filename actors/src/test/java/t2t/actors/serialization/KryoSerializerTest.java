package t2t.actors.serialization;

import org.junit.jupiter.api.Test;

import java.io.NotSerializableException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
    void malformedBytesAreAnErrorNotACrash() {
        assertThrows(NotSerializableException.class, () -> kryo.fromBinary(new byte[] {(byte) 0xFF}, "[F"));
    }
}
