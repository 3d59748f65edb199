package t2t.actors.collective;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;

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
import java.util.concurrent.locks.LockSupport;

/**
 * The ring over Pekko Streams TCP: one connection to the next rank, fed by a bounded queue, and one from the previous
 * rank, drained by pulls. Backpressure runs end to end: a full socket stops the sender's queue, an unread inbound
 * queue stops reading the socket.
 *
 * <p>A frame is a {@link ChunkHeader} and the floats, one heap array per chunk (the one copy of the floats on the
 * way out; Pekko's TCP copies it into its direct buffer). Inbound, the stream hands over the socket's reads as they
 * come and this rank's thread cuts them into frames itself, adding each read's floats into the vector straight from
 * the bytes Pekko read: no framing stage, no frame assembled, no message decoded. A frame whose header is not one
 * (wrong magic, more than a chunk of floats) fails the connection, since a byte stream cannot be resynchronised.
 *
 * <p>It stays at about half the speed of {@link NioTcpLink} on loopback (BENCHMARKS.md): Pekko's TCP copies every
 * write into its own direct buffer and every read out of it into a heap ByteString, and each read is an actor
 * message one way and a resume-reading message back, so on 2 cores the data waits on thread hand-overs.
 */
final class StreamTcpLink implements RingLink {
    private static final int OUTBOUND_BUFFER = RingCollective.WINDOW + 2;
    /** Socket reads (each up to the direct buffer size) waiting for this rank's thread before the stream stops reading. */
    private static final int INBOUND_READS = 16;
    private static final long FULL_QUEUE_NAP_NANOS = 50_000;
    /**
     * Pekko's TCP reads (and writes) at most this much per turn of its IO actor; each read is a message to the stream
     * and, in the stream's pull mode, a message back before the next read. 128 KiB (Pekko's default) takes 8 round
     * trips per 1 MiB chunk, and on 2 cores every round trip is a thread hand-over.
     */
    static final String IO_CONFIG = "pekko.io.tcp.direct-buffer-size = 1 MiB\n";

    private final ActorSystem<Void> system;
    private final int port;
    private final CompletableFuture<HandoffSink.Handle> inbound = new CompletableFuture<>();
    private final AtomicLong refusedConnections = new AtomicLong();
    /** Completing it closes the reply direction of the inbound connection: "I have everything I needed from you". */
    private final CompletableFuture<CompletableFuture<Optional<ByteString>>> doneReceiving = new CompletableFuture<>();
    private final Duration timeout;
    private BoundedSourceQueue<ByteString> outbound;
    /** Completes when the next rank says it is done receiving (or the connection ends). */
    private java.util.concurrent.CompletionStage<org.apache.pekko.Done> nextDone;
    private final FloatPayload payload = new FloatPayload();
    /** Bytes read from the previous rank and not yet used. */
    private ByteString received = ByteString.emptyByteString();
    private int payloadBytes;

    private StreamTcpLink(ActorSystem<Void> system, String host, int requestedPort, Duration timeout)
            throws IOException, InterruptedException {
        this.system = system;
        this.timeout = timeout;
        Sink<ByteString, HandoffSink.Handle> reads = Sink.fromGraph(new HandoffSink(INBOUND_READS));
        try {
            this.port = Tcp.get(system).bind(host, requestedPort)
                    .to(Sink.foreach(conn -> {
                        if (inbound.isDone()) {
                            // Only the previous rank connects; anything else is turned away and counted.
                            refusedConnections.incrementAndGet();
                            conn.handleWith(Flow.fromSinkAndSource(Sink.cancelled(), Source.empty()), system);
                            return;
                        }
                        Pair<HandoffSink.Handle, CompletableFuture<Optional<ByteString>>> ends =
                                conn.handleWith(Flow.fromSinkAndSourceMat(reads, Source.<ByteString>maybe(), Keep.both()), system);
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
        Config config = ConfigFactory.parseString("pekko.actor.provider = local\npekko.loglevel = WARNING\n" + IO_CONFIG)
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
        Pair<Pair<BoundedSourceQueue<ByteString>, java.util.concurrent.CompletionStage<Tcp.OutgoingConnection>>,
                java.util.concurrent.CompletionStage<org.apache.pekko.Done>> p =
                Source.<ByteString>queue(OUTBOUND_BUFFER)
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

    @Override
    public void send(ChunkHeader h, float[] data, int from) throws InterruptedException {
        byte[] frame = new byte[ChunkHeader.BYTES + h.floats() * Float.BYTES];
        ByteBuffer buf = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);
        h.writeTo(buf);
        buf.asFloatBuffer().put(data, from, h.floats());
        ByteString bytes = ByteString.fromArrayUnsafe(frame);
        long deadline = System.nanoTime() + timeout.toNanos();
        // The queue answers at once (no future, no hand-over to the stream's thread); full means the socket is
        // behind by the whole window, about a millisecond of data on loopback, so a short nap is not wasted.
        while (true) {
            QueueOfferResult res = outbound.offer(bytes);
            if (res == QueueOfferResult.enqueued()) {
                return;
            }
            if (res != QueueOfferResult.dropped()) {
                throw new CollectiveException("connection to the next rank is closed or failed (" + res + ")");
            }
            if (System.nanoTime() > deadline) {
                throw new CollectiveException("the next rank took no data for " + timeout);
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            LockSupport.parkNanos(FULL_QUEUE_NAP_NANOS);
        }
    }

    @Override
    public ChunkHeader receive(Duration timeout) throws InterruptedException {
        if (payloadBytes != 0) {
            throw new IllegalStateException("the previous chunk's floats were not taken");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (received.size() < ChunkHeader.BYTES) {
            if (!readMore(deadline)) {
                return null;
            }
        }
        ChunkHeader h = ChunkHeader.readFrom(received.take(ChunkHeader.BYTES).toByteBuffer());
        received = received.drop(ChunkHeader.BYTES);
        payloadBytes = h.floats() * Float.BYTES;
        return h;
    }

    @Override
    public void readPayload(float[] data, int at, boolean add, Duration timeout) throws InterruptedException {
        payload.begin(data, at, payloadBytes / Float.BYTES, add);
        consumePayload(timeout, true);
    }

    @Override
    public void skipPayload(Duration timeout) throws InterruptedException {
        consumePayload(timeout, false);
    }

    /** Takes the current chunk's floats from the reads as they arrive, into {@link #payload} when {@code use}. */
    private void consumePayload(Duration timeout, boolean use) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (payloadBytes > 0) {
            if (received.isEmpty() && !readMore(deadline)) {
                throw new CollectiveException("the previous rank stopped in the middle of a chunk (" + payloadBytes
                        + " bytes missing after " + timeout + ")");
            }
            int k = Math.min(payloadBytes, received.size());
            if (use) {
                for (ByteBuffer piece : received.take(k).getByteBuffers()) {
                    payload.accept(piece);
                }
            }
            received = received.drop(k);
            payloadBytes -= k;
        }
    }

    /** Appends the socket's next read to {@link #received}; false when none came by {@code deadline}. */
    private boolean readMore(long deadline) throws InterruptedException {
        try {
            HandoffSink.Handle reads = inbound.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            ByteString bytes = reads.poll(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (bytes == null) {
                return false;
            }
            received = received.isEmpty() ? bytes : received.concat(bytes);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new CollectiveException("connection from the previous rank failed", e.getCause());
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
        if (outbound != null && !outbound.isCompleted()) {
            // Sends what is still queued, then ends the stream (a second complete() would throw).
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
