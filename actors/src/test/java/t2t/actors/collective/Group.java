package t2t.actors.collective;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Runs the ranks of one collective group as threads of this JVM, each with its own transport endpoint. */
final class Group {
    interface RankBody<T> {
        T run(Collective c) throws Exception;
    }

    private Group() {}

    static <T> List<T> run(int n, Transport transport, int maxElements, int chunkFloats, RankBody<T> body) throws Exception {
        String session = "t" + UUID.randomUUID().toString().substring(0, 8);
        ExecutorService pool = Executors.newFixedThreadPool(n + 1);
        try (Rendezvous rv = Rendezvous.listen("127.0.0.1", 0, n)) {
            Future<?> served = pool.submit(() -> {
                rv.serve(Duration.ofSeconds(60));
                return null;
            });
            List<Future<T>> ranks = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                CollectiveConfig cfg = new CollectiveConfig(r, n, "127.0.0.1", 0, transport, session, maxElements,
                        chunkFloats, Duration.ofSeconds(30));
                ranks.add(pool.submit(() -> {
                    try (Collective c = Collective.open(cfg, Rendezvous.client("127.0.0.1", rv.port(), n, Duration.ofSeconds(30)))) {
                        return body.run(c);
                    }
                }));
            }
            served.get(60, TimeUnit.SECONDS);
            List<T> out = new ArrayList<>();
            for (Future<T> f : ranks) {
                out.add(f.get(120, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
