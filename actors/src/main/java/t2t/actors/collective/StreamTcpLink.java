package t2t.actors.collective;

import com.google.protobuf.InvalidProtocolBufferException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Framing;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import t2t.protocol.TensorCodec;
import t2t.protocol.wire.TensorChunk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ring over Pekko Streams TCP: one length-framed connection to the next rank, fed by a bounded queue, and one
 * from the previous rank, drained by pulls. Backpressure runs end to end: a full socket stops the sender's queue, an
 * unread inbound queue stops reading the socket. Frames longer than a chunk (plus header room) fail the connection.
 */
final class StreamTcpLink implements RingLink {
    /** A TensorChunk of at most 1 MiB of data plus its other fields. */
    static final int MAX_FRAME = TensorCodec.MAX_CHUNK_BYTES + 4096;
    private static final int OUTBOUND_BUFFER = RingCollective.WINDOW + 2;

    private final ActorSystem<Void> system;
    private final int port;
    private final CompletableFuture<SinkQueueWithCancel<ByteString>> inbound = new CompletableFuture<>();
    private final AtomicLong refusedConnections = new AtomicLong();
    /** Completing it closes the reply direction of the inbound connection: "I have everything I needed from you". */
    private final CompletableFuture<CompletableFuture<Optional<ByteString>>> doneReceiving = new CompletableFuture<>();
    private SourceQueueWithComplete<ByteString> outbound;
    /** Completes when the next rank says it is done receiving (or the connection ends). */
    private java.util.concurrent.CompletionStage<org.apache.pekko.Done> nextDone;
    private CompletableFuture<Optional<ByteString>> pendingPull;

    private StreamTcpLink(ActorSystem<Void> system, String host, int requestedPort, Duration timeout)
            throws IOException, InterruptedException {
        this.system = system;
        Sink<ByteString, SinkQueueWithCancel<ByteString>> frames = Flow.of(ByteString.class)
                .via(Framing.lengthField(4, 0, MAX_FRAME + 4, ByteOrder.BIG_ENDIAN))
                .map(frame -> frame.drop(4))
                .toMat(Sink.queue(), Keep.right());
        try {
            this.port = Tcp.get(system).bind(host, requestedPort)
                    .to(Sink.foreach(conn -> {
                        if (inbound.isDone()) {
                            // Only the previous rank connects; anything else is turned away and counted.
                            refusedConnections.incrementAndGet();
                            conn.handleWith(Flow.fromSinkAndSource(Sink.cancelled(), Source.empty()), system);
                            return;
                        }
                        Pair<SinkQueueWithCancel<ByteString>, CompletableFuture<Optional<ByteString>>> ends =
                                conn.handleWith(Flow.fromSinkAndSourceMat(frames, Source.<ByteString>maybe(), Keep.both()), system);
                        doneReceiving.complete(ends.second());
                        inbound.complete(ends.first());
                    }))
                    .run(system)
                    .toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .localAddress().getPort();
        } catch (ExecutionException | TimeoutException e) {
            system.terminate();
            throw new IOException("could not listen on " + host + ":" + requestedPort, e);
        }
    }

    static StreamTcpLink bind(CollectiveConfig cfg) throws IOException, InterruptedException {
        Config config = ConfigFactory.parseString("pekko.actor.provider = local\npekko.loglevel = WARNING\n")
                .withFallback(ConfigFactory.load());
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "t2t-collective-" + cfg.session(), config);
        return new StreamTcpLink(system, cfg.host(), cfg.port(), cfg.timeout());
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public void connect(Endpoint next, Duration timeout) throws IOException, InterruptedException {
        Pair<Pair<SourceQueueWithComplete<ByteString>, java.util.concurrent.CompletionStage<Tcp.OutgoingConnection>>,
                java.util.concurrent.CompletionStage<org.apache.pekko.Done>> p =
                Source.<ByteString>queue(OUTBOUND_BUFFER, OverflowStrategy.backpressure())
                        .map(StreamTcpLink::frame)
                        .viaMat(Tcp.get(system).outgoingConnection(next.host(), next.port()), Keep.both())
                        .toMat(Sink.ignore(), Keep.both())
                        .run(system);
        try {
            p.first().second().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("could not connect to the next rank at " + next.host() + ":" + next.port(), e);
        }
        outbound = p.first().first();
        nextDone = p.second();
    }

    /** A 4-byte big-endian length, then the bytes (what {@code Framing.lengthField} reads back). */
    private static ByteString frame(ByteString payload) {
        if (payload.size() > MAX_FRAME) {
            throw new IllegalArgumentException("frame of " + payload.size() + " bytes > " + MAX_FRAME);
        }
        return ByteString.fromByteBuffer(ByteBuffer.allocate(4).putInt(0, payload.size())).concat(payload);
    }

    @Override
    public void send(TensorChunk chunk) throws InterruptedException {
        try {
            QueueOfferResult res = outbound.offer(ByteString.fromArrayUnsafe(chunk.toByteArray()))
                    .toCompletableFuture().get();
            if (res != QueueOfferResult.enqueued()) {
                throw new CollectiveException("connection to the next rank is closed (" + res + ")");
            }
        } catch (ExecutionException e) {
            throw new CollectiveException("connection to the next rank failed", e.getCause());
        }
    }

    @Override
    public TensorChunk receive(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            SinkQueueWithCancel<ByteString> q = inbound.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (pendingPull == null) {
                pendingPull = q.pull().toCompletableFuture();
            }
            Optional<ByteString> frame = pendingPull.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            pendingPull = null;
            if (frame.isEmpty()) {
                throw new CollectiveException("the previous rank closed its connection");
            }
            return TensorChunk.parseFrom(frame.get().asByteBuffer());
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new CollectiveException("connection from the previous rank failed", e.getCause());
        } catch (InvalidProtocolBufferException e) {
            // A frame that is not a TensorChunk: an empty one stands in, which validation then drops and counts.
            return TensorChunk.getDefaultInstance();
        }
    }

    /**
     * A rank returns from its last call once it has received everything, while chunks it sent may still be on their
     * way: it says it is done receiving, then waits for the next rank to say the same before tearing the
     * connections down. Nobody waits on anything but its own next rank's goodbye, so the ring cannot deadlock here.
     */
    @Override
    public void close() {
        doneReceiving.thenAccept(reply -> reply.complete(Optional.empty()));
        if (outbound != null) {
            outbound.complete();
            try {
                nextDone.toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // The next rank went away or never answered: nothing left to deliver to it either way.
            }
        }
        RingLink.terminate(system);
    }
}
