package t2t.actors.collective;

/** How the ranks of a {@link Collective} move tensor data between them. */
public enum Transport {
    /**
     * Shared memory when every rank is on this host, {@link #NIO_TCP} otherwise (the default): of the rings it is the
     * fastest, 2x the Pekko Streams one on loopback (BENCHMARKS.md).
     */
    AUTO,
    /** Files under /dev/shm mapped by every rank, like NCCL's SHM transport: same host only. */
    SHM,
    /** A ring of Pekko Streams TCP connections (length-framed TensorChunks, backpressure end to end). */
    STREAM_TCP,
    /** A ring of plain java.nio TCP connections driven by the collective's thread (direct buffers, no actors). */
    NIO_TCP,
    /** A ring of Pekko Artery actor messages carrying TensorChunks on the large-message lane. */
    ARTERY;

    /** Parses a flag value such as {@code shm}, {@code stream-tcp} or {@code artery}. */
    public static Transport parse(String s) {
        for (Transport t : values()) {
            if (t.flag().equals(s)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown transport '" + s + "' (one of auto, shm, stream-tcp, nio-tcp, artery)");
    }

    public String flag() {
        return name().toLowerCase().replace('_', '-');
    }
}
