package t2t.actors.collective;

/** A rank's place in its group and the transport it runs over: what every {@link Collective} answers alike. */
abstract class AbstractCollective implements Collective {
    private final int rank;
    private final int worldSize;
    private final Transport transport;

    AbstractCollective(CollectiveConfig cfg, Transport transport) {
        this.rank = cfg.rank();
        this.worldSize = cfg.worldSize();
        this.transport = transport;
    }

    @Override
    public final int rank() {
        return rank;
    }

    @Override
    public final int worldSize() {
        return worldSize;
    }

    @Override
    public final Transport transport() {
        return transport;
    }
}
