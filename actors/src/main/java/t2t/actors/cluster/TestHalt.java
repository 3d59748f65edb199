package t2t.actors.cluster;

/**
 * TEST ONLY: a node started with {@code -Dt2t.test.halt-at=POINT} halts its JVM (no shutdown hooks,
 * no graceful leave: as a SIGKILL would) when it reaches {@code POINT} of a shard move, so a
 * multi-JVM test can kill a joining aggregator node at an exact point instead of racing a timer.
 * Points: {@code start-shards} (the node was asked to host shards, before its shard host starts),
 * {@code shard-piece} (the first piece of a moving shard arrived), {@code shard-placed} (the first
 * moved shard runs here and its placement has reached the job manager; more are on their way).
 * Never set it in production: the node dies on purpose.
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

    /** Whether this node will halt at {@code point}. */
    public static boolean armed(String point) {
        return point.equals(System.getProperty(PROPERTY));
    }
}
