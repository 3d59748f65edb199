package t2t.actors.collective;

import org.apache.pekko.actor.typed.ActorSystem;
import t2t.protocol.wire.TensorChunk;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One rank's two ends of a ring: chunks go to the next rank and come from the previous one, each direction in
 * order. Implementations: {@link StreamTcpLink} (Pekko Streams TCP) and {@link ArteryLink} (Pekko Artery).
 */
interface RingLink extends AutoCloseable {
    /** The port this rank's end listens on, bound when the link was made. */
    int port();

    /** Connects the outgoing end to the next rank. */
    void connect(Endpoint next, Duration timeout) throws IOException, InterruptedException;

    /** Hands a chunk to the next rank; may block while the link's outgoing buffer is full (backpressure). */
    void send(TensorChunk chunk) throws InterruptedException;

    /** The next chunk from the previous rank, or null when none came within {@code timeout}. */
    TensorChunk receive(Duration timeout) throws InterruptedException;

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
