package t2t.actors.collective;

import java.io.IOException;
import java.util.List;

/**
 * How the ranks of a collective learn each other's endpoints: each publishes its own (known only once it has bound
 * its port) and gets everyone's back, in rank order. {@link Rendezvous} does it over one TCP port; a cluster runtime
 * that already knows its members can use {@link #fixed}.
 */
@FunctionalInterface
public interface PeerDirectory {
    List<Endpoint> exchange(int rank, Endpoint mine) throws IOException, InterruptedException;

    /** Endpoints decided in advance (ports given in each rank's config, not 0). */
    static PeerDirectory fixed(List<Endpoint> all) {
        return (rank, mine) -> {
            if (all.get(rank).port() != mine.port() && mine.port() != 0) {
                throw new IOException("rank " + rank + " bound port " + mine.port() + " but the directory says " + all.get(rank));
            }
            return List.copyOf(all);
        };
    }
}
