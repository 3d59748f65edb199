package t2t.actors.collective;

import java.io.IOException;
import java.util.List;

/** Picks and builds the transport of a {@link Collective}; see {@link Collective#open}. */
final class Collectives {
    private Collectives() {}

    static Collective open(CollectiveConfig cfg, PeerDirectory peers) throws IOException, InterruptedException {
        String hostKey = HostKey.local();
        if (cfg.transport() == Transport.SHM) {
            List<Endpoint> all = peers.exchange(cfg.rank(), new Endpoint(cfg.host(), cfg.port(), hostKey));
            if (!sameHost(all)) {
                throw new IllegalArgumentException("transport shm needs every rank on one host; these are not: " + all);
            }
            return ShmCollective.open(cfg);
        }
        // The ring's port must be bound before it can be advertised, even if AUTO then settles on shared memory.
        RingLink link = switch (cfg.transport()) {
            case ARTERY -> ArteryLink.bind(cfg);
            case NIO_TCP -> NioTcpLink.bind(cfg);
            case STREAM_TCP -> StreamTcpLink.bind(cfg);
            default -> NioTcpLink.bind(cfg);
        };
        try {
            List<Endpoint> all = peers.exchange(cfg.rank(), new Endpoint(cfg.host(), link.port(), hostKey));
            if (all.size() != cfg.worldSize()) {
                throw new IOException("the directory returned " + all.size() + " endpoints for a world of " + cfg.worldSize());
            }
            if (cfg.transport() == Transport.AUTO && sameHost(all)) {
                link.close();
                return ShmCollective.open(cfg);
            }
            if (cfg.worldSize() > 1) {
                link.connect(all.get((cfg.rank() + 1) % cfg.worldSize()), cfg.timeout());
            }
            Transport used = cfg.transport() == Transport.AUTO ? Transport.NIO_TCP : cfg.transport();
            return new RingCollective(cfg, used, link);
        } catch (IOException | InterruptedException | RuntimeException e) {
            link.close();
            throw e;
        }
    }

    private static boolean sameHost(List<Endpoint> all) {
        return all.stream().map(Endpoint::hostKey).distinct().count() == 1;
    }
}
