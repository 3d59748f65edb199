package t2t.actors.cluster;

/**
 * The points of a shard move on the node that receives the shards, for an observer the process
 * installs before it starts its node (none by default). They run on the receiving actor's thread,
 * at the moment named, so whatever an observer does there happens before the node goes on.
 */
public final class ShardMoveEvents {

    /** What a process may watch; every point does nothing unless overridden. */
    public interface Observer {
        /** The job manager asked this node to host shards; its shard host has not started yet. */
        default void hostingAsked() {}

        /** A piece of a shard's state that moves here (a join or a resume) arrived, before it is added. */
        default void movedPieceArrived() {}

        /**
         * A moved shard runs here and its placement was sent to the job manager; the shard host's
         * other pieces wait until this returns.
         */
        default void movedShardPlaced() {}
    }

    private static volatile Observer observer = new Observer() { };

    private ShardMoveEvents() {}

    /** Installs {@code o} for this JVM, replacing the previous observer. */
    public static void observe(Observer o) {
        observer = o;
    }

    static Observer observer() {
        return observer;
    }
}
