package t2t.actors.serialization;

import org.apache.pekko.actor.ExtendedActorSystem;

/**
 * The largest payload a well-behaved node can send: Artery refuses to send a message above its
 * frame size (the large-message lane's, 2 MiB in a cluster) but does not check the length of what
 * it receives over TCP. A node that reads a longer payload is talking to a forged or
 * misconfigured sender, so our serializers refuse it before decoding a byte.
 */
final class FrameLimit {
    /** No limit: a serializer built without an actor system (unit tests). */
    static final long NONE = Long.MAX_VALUE;

    private FrameLimit() {}

    static long of(ExtendedActorSystem system) {
        if (system == null) {
            return NONE;
        }
        com.typesafe.config.Config c = system.settings().config();
        String ordinary = "pekko.remote.artery.advanced.maximum-frame-size";
        String large = "pekko.remote.artery.advanced.maximum-large-frame-size";
        if (!c.hasPath(ordinary) || !c.hasPath(large)) {
            return NONE;
        }
        return Math.max(c.getBytes(ordinary), c.getBytes(large));
    }

    /** Null when {@code bytes} fits, else the reason to drop it. */
    static String exceeded(int bytes, long limit) {
        return bytes > limit ? "oversized: " + bytes + " bytes over the " + limit + "-byte frame limit" : null;
    }
}
