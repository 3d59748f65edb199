package t2t.actors.collective;

import org.apache.pekko.actor.typed.ActorSystem;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One rank's two ends of a ring: chunks go to the next rank and come from the previous one, each direction in
 * order. A chunk is a {@link ChunkHeader} and the floats it announces. Implementations: {@link StreamTcpLink} (Pekko
 * Streams TCP), {@link NioTcpLink} (java.nio sockets) and {@link ArteryLink} (Pekko Artery).
 */
interface RingLink extends AutoCloseable {
    /** The port this rank's end listens on, bound when the link was made. */
    int port();

    /** Connects the outgoing end to the next rank. */
    void connect(Endpoint next, Duration timeout) throws IOException, InterruptedException;

    /**
     * Hands the chunk {@code h}, whose floats are {@code data[from, from + h.floats())}, to the next rank. The link
     * has taken its copy when this returns, so the caller may overwrite that range. May block while the link's
     * outgoing buffer is full (backpressure).
     */
    void send(ChunkHeader h, float[] data, int from) throws InterruptedException;

    /**
     * The header of the next chunk from the previous rank, or null when none came within {@code timeout}. Its floats
     * must then be taken with {@link #readPayload} or {@link #skipPayload} before the next call.
     */
    ChunkHeader receive(Duration timeout) throws InterruptedException;

    /** Adds ({@code add}) or copies the floats of the chunk just received into {@code data[at, at + floats)}. */
    void readPayload(float[] data, int at, boolean add, Duration timeout) throws InterruptedException;

    /** Discards the floats of the chunk just received (it was dropped). */
    void skipPayload(Duration timeout) throws InterruptedException;

    @Override
    void close();

    /** Stops a link's actor system and waits (a bounded time) for it: the ring is not used any more either way. */
    static void terminate(ActorSystem<?> system) {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            system.log().warn("collective link did not shut down cleanly: {}", e.toString());
        }
    }
}
