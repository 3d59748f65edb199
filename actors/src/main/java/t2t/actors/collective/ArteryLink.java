package t2t.actors.collective;

import com.google.protobuf.UnsafeByteOperations;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import t2t.protocol.TensorCodec;
import t2t.protocol.wire.DType;
import t2t.protocol.wire.TensorChunk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The ring over Pekko Artery: each rank's actor system has one inbox actor (its guardian, at /user), on Artery's
 * large-message lane, that hands TensorChunks to the collective's thread. Artery has no backpressure between actors;
 * the ring bounds what is in flight instead: a rank sends at most {@link RingCollective#WINDOW} chunks ahead of what
 * it receives, and the previous rank can run at most one step ahead, so an inbox holds at most about one shard.
 */
final class ArteryLink implements RingLink {
    private final ActorSystem<TensorChunk> system;
    private final LinkedBlockingQueue<TensorChunk> inbox;
    private final FloatPayload payload = new FloatPayload();
    private final String sender;
    private ActorRef<TensorChunk> next;
    private TensorChunk current;

    private ArteryLink(ActorSystem<TensorChunk> system, LinkedBlockingQueue<TensorChunk> inbox, String sender) {
        this.system = system;
        this.inbox = inbox;
        this.sender = sender;
    }

    static String systemName(String session) {
        return "t2t-collective-" + session;
    }

    static ArteryLink bind(CollectiveConfig cfg) {
        Config config = ConfigFactory.parseString(String.join("\n",
                        "pekko.actor.provider = remote",
                        "pekko.remote.artery.transport = tcp",
                        "pekko.remote.artery.canonical.hostname = \"" + cfg.host() + "\"",
                        "pekko.remote.artery.canonical.port = " + cfg.port(),
                        // Chunks of up to 1 MiB exceed the ordinary lane's 256 KiB frames.
                        "pekko.remote.artery.large-message-destinations = [\"/user\"]",
                        "pekko.remote.artery.advanced.maximum-large-frame-size = 2 MiB",
                        "pekko.loglevel = WARNING"))
                .withFallback(ConfigFactory.load());
        LinkedBlockingQueue<TensorChunk> inbox = new LinkedBlockingQueue<>();
        ActorSystem<TensorChunk> system = ActorSystem.create(inbox(inbox), systemName(cfg.session()), config);
        return new ArteryLink(system, inbox, "rank-" + cfg.rank());
    }

    private static Behavior<TensorChunk> inbox(LinkedBlockingQueue<TensorChunk> queue) {
        return Behaviors.receiveMessage(chunk -> {
            queue.add(chunk);
            return Behaviors.same();
        });
    }

    @Override
    public int port() {
        return system.address().getPort().orElseThrow();
    }

    @Override
    public void connect(Endpoint next, Duration timeout) {
        // Artery associates on the first message; resolving the address starts nothing yet.
        this.next = ActorRefResolver.get(system).resolveActorRef(
                "pekko://" + system.name() + "@" + next.host() + ":" + next.port() + "/user");
    }

    @Override
    public void send(ChunkHeader h, float[] data, int from) {
        ByteBuffer buf = ByteBuffer.allocate(h.floats() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(data, from, h.floats());
        next.tell(TensorChunk.newBuilder()
                .setGeneration(h.generation())
                .setStep(h.step())
                .setShard(h.shard())
                .setOffset(h.offset())
                .setShardElements(h.shardElements())
                .setChunkIndex(h.chunkIndex())
                .setChunkCount(h.chunkCount())
                .setDtype(DType.F32)
                .setData(UnsafeByteOperations.unsafeWrap(buf.array()))
                .setSender(sender)
                .build());
    }

    @Override
    public ChunkHeader receive(Duration timeout) throws InterruptedException {
        current = inbox.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (current == null) {
            return null;
        }
        TensorChunk m = current;
        // Any member of the cluster can send here, so the message itself is checked before its fields are trusted.
        int size = m.getData().size();
        if (m.getDtype() != DType.F32) {
            return ChunkHeader.malformed("dtype " + m.getDtype() + " from " + m.getSender() + " (only F32 is accepted)");
        }
        if (size % Float.BYTES != 0 || size > TensorCodec.MAX_CHUNK_BYTES) {
            return ChunkHeader.malformed("data of " + size + " bytes from " + m.getSender());
        }
        if (!fitsInt(m.getStep()) || !fitsInt(m.getOffset()) || !fitsInt(m.getShardElements())) {
            return ChunkHeader.malformed("step " + m.getStep() + ", offset " + m.getOffset() + " of "
                    + m.getShardElements() + " from " + m.getSender());
        }
        return new ChunkHeader(m.getGeneration(), (int) m.getStep(), m.getShard(), (int) m.getOffset(),
                (int) m.getShardElements(), m.getChunkIndex(), m.getChunkCount(), size / Float.BYTES);
    }

    private static boolean fitsInt(long v) {
        return v >= 0 && v <= Integer.MAX_VALUE;
    }

    @Override
    public void readPayload(float[] data, int at, boolean add, Duration timeout) {
        payload.begin(data, at, current.getData().size() / Float.BYTES, add);
        for (ByteBuffer piece : current.getData().asReadOnlyByteBufferList()) {
            payload.accept(piece);
        }
        current = null;
    }

    @Override
    public void skipPayload(Duration timeout) {
        current = null;
    }

    /** Sends {@code chunk} exactly as given: for tests that play a stranger sending bad chunks. */
    void tell(TensorChunk chunk) {
        next.tell(chunk);
    }

    /** Chunks received and not yet taken by the collective. */
    int pending() {
        return inbox.size();
    }

    @Override
    public void close() {
        RingLink.terminate(system);
    }
}
