package t2t.actors.telemetry;

import org.slf4j.Logger;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Messages refused on receipt in this JVM (malformed, oversized, unregistered, a wrong token), by
 * reason. Serializers run on Artery's threads and have no actor to report to, so the count lives
 * here; the node's metrics read it through {@link #onDrop} as {@code t2t_dropped_messages_total}.
 *
 * <p>A reason is a fixed code ("gradient with a wrong token"), never built from the message's
 * content: every distinct reason is a new metric series, and forged input must not create them.
 * The detail goes to the log.
 */
public final class DroppedMessages {
    private static final Map<String, AtomicLong> DROPPED = new ConcurrentHashMap<>();
    private static volatile Consumer<String> sink = reason -> { };

    private DroppedMessages() {}

    /** Counts one message dropped for {@code reason}. */
    public static void dropped(String reason) {
        String key = reason.length() > 80 ? reason.substring(0, 80) : reason;
        DROPPED.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        sink.accept(key);
    }

    /**
     * An actor's drop: counts it under {@code reason} and logs {@code detail} (an SLF4J pattern with
     * {@code args}) at warn level, so the metric says how many and the log says which.
     */
    public static void dropped(Logger log, String reason, String detail, Object... args) {
        dropped(reason);
        log.warn(detail, args);
    }

    /** Also tells {@code listener} of every drop (the node's metrics); replaces the previous one. */
    public static void onDrop(Consumer<String> listener) {
        sink = listener;
    }

    public static long total() {
        return DROPPED.values().stream().mapToLong(AtomicLong::get).sum();
    }

    public static Map<String, Long> byReason() {
        Map<String, Long> m = new TreeMap<>();
        DROPPED.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }
}
