package t2t.actors.telemetry;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many items wait in each of the training path's queues in this JVM, summed over the actors
 * that own them (a node runs several workers and shards). Each owner reports the change of its own
 * queue; the node's metrics read the sums as {@code t2t_queue_depth{queue}}.
 */
public final class QueueDepths {

    /** The queues; {@link #label()} is the metric's {@code queue} label, a fixed code. */
    public enum Queue {
        /** Batches a worker asked for that the loaders (and the teacher) have not delivered yet. */
        BATCHES_LOADING("batches_loading"),
        /** Delivered batches waiting for their step on a worker (ahead of parameters or plan order). */
        BATCHES_READY("batches_ready"),
        /** Gradient buckets a shard holds until their step commits (or their generation is known). */
        GRADIENTS_HELD("gradients_held");

        private final String label;

        Queue(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private static final AtomicInteger[] DEPTHS = new AtomicInteger[Queue.values().length];

    static {
        for (int i = 0; i < DEPTHS.length; i++) {
            DEPTHS[i] = new AtomicInteger();
        }
    }

    private QueueDepths() {}

    /** The sum over this JVM's owners of {@code queue}. */
    public static int depth(Queue queue) {
        return DEPTHS[queue.ordinal()].get();
    }

    /**
     * One owner's view of its queues: it says its current depth, this adds the change since it last
     * said so to the JVM's sum. {@link #close()} takes its items out (the owner stopped).
     */
    public static final class Owner {
        private final int[] reported = new int[DEPTHS.length];

        public void depth(Queue queue, int depth) {
            int i = queue.ordinal();
            DEPTHS[i].addAndGet(depth - reported[i]);
            reported[i] = depth;
        }

        public void close() {
            for (Queue q : Queue.values()) {
                depth(q, 0);
            }
        }
    }
}
