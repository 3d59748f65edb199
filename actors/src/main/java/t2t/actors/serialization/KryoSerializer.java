package t2t.actors.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import t2t.actors.telemetry.DroppedMessages;
import t2t.protocol.KryoRegistrations;

import java.io.NotSerializableException;

/**
 * Pekko serializer for the actor messages that are not Protobuf types, through Kryo with
 * registration required: a class that is not registered in {@link KryoRegistrations} can neither
 * be written nor read, so nothing outside the list can be smuggled in. Actor references travel as
 * their serialized path through {@link ActorRefResolver}. Kryo instances are not thread-safe: one
 * per thread.
 */
public final class KryoSerializer extends SerializerWithStringManifest {
    /** Serializer id, unique among the system's serializers (Pekko reserves 0 to 40). */
    public static final int ID = 7_202_611;
    /** Kryo id of typed actor references; below the positional ids of {@link KryoRegistrations} (from 100). */
    private static final int ACTOR_REF_ID = 60;

    static {
        ActorMessages.register();
    }

    private final ExtendedActorSystem system;
    private final long maxMessageBytes;
    private final ThreadLocal<Kryo> kryo = ThreadLocal.withInitial(this::newKryo);

    /** Pekko instantiates serializers with the actor system (null in tests without references). */
    public KryoSerializer(ExtendedActorSystem system) {
        this(system, FrameLimit.of(system));
    }

    /** A serializer that drops payloads over {@code maxMessageBytes} (the cluster's frame limit). */
    KryoSerializer(ExtendedActorSystem system, long maxMessageBytes) {
        this.system = system;
        this.maxMessageBytes = maxMessageBytes;
    }

    private Kryo newKryo() {
        Kryo k = KryoRegistrations.newKryo();
        if (system != null) {
            ActorRefResolver resolver = ActorRefResolver.get(Adapter.toTyped(system));
            Serializer<ActorRef<?>> refs = new Serializer<>() {
                @Override
                public void write(Kryo kryo, Output output, ActorRef<?> ref) {
                    output.writeString(resolver.toSerializationFormat(ref));
                }

                @Override
                public ActorRef<?> read(Kryo kryo, Input input, Class<? extends ActorRef<?>> type) {
                    return resolver.resolveActorRef(input.readString());
                }
            };
            k.addDefaultSerializer(ActorRef.class, refs);
            k.register(org.apache.pekko.actor.typed.internal.adapter.ActorRefAdapter.class, refs, ACTOR_REF_ID);
        }
        return k;
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
            DroppedMessages.dropped("unregistered type");
            throw new NotSerializableException("unregistered message type " + manifest);
        }
        String oversized = FrameLimit.exceeded(bytes.length, maxMessageBytes);
        if (oversized != null) {
            DroppedMessages.dropped("oversized " + type.getSimpleName());
            throw new NotSerializableException(manifest + " dropped: " + oversized);
        }
        try (Input in = new Input(bytes)) {
            return kryo.get().readObject(in, type);
        } catch (RuntimeException | OutOfMemoryError e) {
            // A few forged bytes can declare an array or collection of 2^31 elements, which Kryo
            // allocates before it finds the input too short. That allocation fails on its own, with
            // nothing else allocated, so the node goes on; uncaught, the Error would stop the node.
            DroppedMessages.dropped("malformed " + type.getSimpleName());
            NotSerializableException n = new NotSerializableException("malformed " + manifest + ": " + e);
            n.initCause(e);
            throw n;
        }
    }
}
