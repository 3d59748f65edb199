package t2t.actors.cluster;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Messages refused on receipt in this JVM (malformed, oversized, unregistered, stale generation),
 * by reason. Serializers run on Artery's threads and have no actor to report to, so the count
 * lives here; a node's metrics endpoint reads it through {@link #onDrop}.
 */
public final class WireStats {
    private static final Map<String, AtomicLong> DROPPED = new ConcurrentHashMap<>();
    private static volatile Consumer<String> sink = reason -> { };

    private WireStats() {}

    public static void dropped(String reason) {
        String key = reason.length() > 80 ? reason.substring(0, 80) : reason;
        DROPPED.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        sink.accept(key);
    }

    /** Also tells {@code listener} of every drop (the node's metrics). */
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
