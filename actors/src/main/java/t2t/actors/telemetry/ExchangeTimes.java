package t2t.actors.telemetry;

import java.util.function.DoubleConsumer;

/**
 * How long workers in this JVM waited for their gradients to come back as parameters: from the
 * moment a step's last gradient bucket left the worker until every shard's parameters after that
 * step's update were installed. It is the exchange's share of the step as the worker sees it:
 * transfer both ways, the wait for the other workers' gradients and for the commit, averaging and
 * AdamW on the shards. The node's metrics observe it as {@code t2t_allreduce_seconds}.
 */
public final class ExchangeTimes {
    private static volatile DoubleConsumer sink = seconds -> { };

    private ExchangeTimes() {}

    public static void exchanged(double seconds) {
        sink.accept(seconds);
    }

    /** Tells {@code listener} of every exchange (the node's metrics); replaces the previous one. */
    public static void onExchange(DoubleConsumer listener) {
        sink = listener;
    }
}
