package t2t.loader.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts refused samples and logs each bad source once (an epoch revisits the same bad file; one
 * line per file is enough). Thread-safe: loader threads share one per dataset.
 */
public final class SkipLog {
    private static final Logger LOG = LoggerFactory.getLogger(SkipLog.class);

    private final AtomicLong skipped = new AtomicLong();
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    public Sample.Skipped skip(long id, String source, String reason) {
        skipped.incrementAndGet();
        if (logged.add(source)) {
            LOG.warn("skipping {}: {}", source, reason);
        }
        return new Sample.Skipped(id, source, reason);
    }

    /** Skips so far, repeats included (a bad file read in two epochs counts twice). */
    public long count() {
        return skipped.get();
    }

    /** Distinct bad sources seen so far. */
    public int distinctSources() {
        return logged.size();
    }
}
