package t2t.actors.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import t2t.protocol.KryoRegistrations;

import java.io.NotSerializableException;

/**
 * Pekko serializer for the actor messages that are not Protobuf types, through Kryo with
 * registration required: a class that is not registered in {@link KryoRegistrations} can neither
 * be written nor read, so nothing outside the list can be smuggled in. Kryo instances are not
 * thread-safe: one per thread.
 */
public final class KryoSerializer extends SerializerWithStringManifest {
    /** Serializer id, unique among the system's serializers (Pekko reserves 0 to 40). */
    public static final int ID = 7_202_611;

    private final ThreadLocal<Kryo> kryo = ThreadLocal.withInitial(KryoRegistrations::newKryo);
    /** Pekko instantiates serializers with the actor system; this one needs nothing from it. */
    public KryoSerializer(ExtendedActorSystem system) {
    }

    @Override
    public int identifier() {
        return ID;
    }

    @Override
    public String manifest(Object o) {
        return o.getClass().getName();
    }

    @Override
    public byte[] toBinary(Object o) {
        Output out = new Output(256, -1);
        kryo.get().writeObject(out, o);
        return out.toBytes();
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        Class<?> type = KryoRegistrations.registered(manifest);
        if (type == null) {
            throw new NotSerializableException("unregistered message type " + manifest);
        }
        try (Input in = new Input(bytes)) {
            return kryo.get().readObject(in, type);
        } catch (RuntimeException e) {
            NotSerializableException n = new NotSerializableException("malformed " + manifest + ": " + e.getMessage());
            n.initCause(e);
            throw n;
        }
    }
}
