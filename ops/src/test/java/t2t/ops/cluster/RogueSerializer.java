package t2t.ops.cluster;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import t2t.actors.serialization.TensorMessageSerializer;

import java.io.NotSerializableException;

/**
 * A rogue node's tensor serializer: it carries the real serializer's id, so the receiver decodes
 * what it sends with the real one, but it writes {@link RogueBytes} exactly as given (garbage, or a
 * payload larger than the cluster's frame limit) and real tensor messages as the real one does.
 */
public final class RogueSerializer extends SerializerWithStringManifest {
    private final TensorMessageSerializer real;

    public RogueSerializer(ExtendedActorSystem system) {
        this.real = new TensorMessageSerializer(system);
    }

    @Override
    public int identifier() {
        return TensorMessageSerializer.ID;
    }

    @Override
    public String manifest(Object o) {
        return o instanceof RogueBytes r ? r.manifest() : real.manifest(o);
    }

    @Override
    public byte[] toBinary(Object o) {
        return o instanceof RogueBytes r ? r.bytes() : real.toBinary(o);
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        return real.fromBinary(bytes, manifest);
    }
}
