package t2t.actors.collective;

import java.time.Duration;

/**
 * Settings of one rank of a {@link Collective}.
 *
 * @param rank          this rank, 0 .. worldSize-1
 * @param worldSize     number of ranks
 * @param host          address this rank listens on (ring transports) and advertises
 * @param port          port this rank listens on (ring transports); 0 picks a free one, which the
 *                      {@link PeerDirectory} then tells the others
 * @param transport     how data moves; {@link Transport#AUTO} picks shared memory on one host
 * @param session       a name every rank of this group shares and no other group uses (names the shared-memory files
 *                      and the actor system)
 * @param maxElements   the longest vector reduced; sizes the shared-memory segment
 * @param chunkFloats   pipelining unit: data moves and is added in chunks of this many floats (<= 1 MiB on the wire)
 * @param timeout       how long a rank waits for a peer before declaring the collective failed
 */
public record CollectiveConfig(int rank, int worldSize, String host, int port, Transport transport, String session,
                               int maxElements, int chunkFloats, Duration timeout) {
    /** 64 Ki floats: 256 KiB moves through the L2 cache of the adding core while the next chunk is in flight. */
    public static final int DEFAULT_CHUNK_FLOATS = 1 << 16;

    public CollectiveConfig {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " outside a world of " + worldSize);
        }
        if (chunkFloats < 1 || chunkFloats * (long) Float.BYTES > t2t.protocol.TensorCodec.MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("chunkFloats " + chunkFloats + " outside 1 .. "
                    + t2t.protocol.TensorCodec.MAX_CHUNK_FLOATS);
        }
        if (maxElements < worldSize) {
            throw new IllegalArgumentException("maxElements " + maxElements + " < worldSize " + worldSize);
        }
        if (!session.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("session '" + session + "' must be 1-64 of [A-Za-z0-9_-]");
        }
    }

    /** Defaults for chunking and timeout. */
    public static CollectiveConfig of(int rank, int worldSize, String host, Transport transport, String session,
                                      int maxElements) {
        return new CollectiveConfig(rank, worldSize, host, 0, transport, session, maxElements, DEFAULT_CHUNK_FLOATS,
                Duration.ofSeconds(60));
    }

    public CollectiveConfig withChunkFloats(int n) {
        return new CollectiveConfig(rank, worldSize, host, port, transport, session, maxElements, n, timeout);
    }

    public CollectiveConfig withPort(int p) {
        return new CollectiveConfig(rank, worldSize, host, p, transport, session, maxElements, chunkFloats, timeout);
    }

    public CollectiveConfig withTimeout(Duration t) {
        return new CollectiveConfig(rank, worldSize, host, port, transport, session, maxElements, chunkFloats, t);
    }
}
