package t2t.actors.cluster;

/**
 * TEST ONLY: a node started with {@code -Dt2t.test.halt-at=POINT} halts its JVM (no shutdown hooks,
 * no graceful leave: as a SIGKILL would) when it reaches {@code POINT} of a shard move, so a
 * multi-JVM test can kill a joining aggregator node at an exact point instead of racing a timer.
 * Points: {@code start-shards} (the node was asked to host shards, before its shard host starts),
 * {@code shard-piece} (the first piece of a moving shard arrived), {@code shard-placed} (the first
 * moved shard runs here and its placement has reached the job manager; more are on their way).
 * {@code stall-shard-piece} blocks the shard host instead, at the first piece, for 10 minutes: the
 * node stays up but its move never finishes (the move timeout's case).
 * Never set it in production: the node dies or stalls on purpose.
 */
public final class TestHalt {
    public static final String PROPERTY = "t2t.test.halt-at";

    private TestHalt() {}

    /** Halts the JVM when this node was told to halt at {@code point}. */
    public static void at(String point, org.slf4j.Logger log) {
        if (point.equals(System.getProperty(PROPERTY))) {
            log.warn("{}={}: halting this node on purpose (a test)", PROPERTY, point);
            Runtime.getRuntime().halt(137);
        }
    }

    /** Blocks the calling actor's thread for 10 minutes when this node was told to stall at {@code point}. */
    public static void stallAt(String point, org.slf4j.Logger log) {
        if (("stall-" + point).equals(System.getProperty(PROPERTY))) {
            log.warn("{}=stall-{}: stalling this node's shard host on purpose (a test)", PROPERTY, point);
            try {
                Thread.sleep(600_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether this node will halt at {@code point}. */
    public static boolean armed(String point) {
        return point.equals(System.getProperty(PROPERTY));
    }
}
