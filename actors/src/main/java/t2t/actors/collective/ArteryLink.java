package t2t.actors.collective;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import t2t.protocol.wire.TensorChunk;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The ring over Pekko Artery: each rank's actor system has one inbox actor (its guardian, at /user), on Artery's
 * large-message lane, that hands TensorChunks to the collective's thread. Artery has no backpressure between actors;
 * the ring bounds what is in flight instead: a rank sends at most {@link RingCollective#WINDOW} chunks ahead of what
 * it receives, and the previous rank can run at most one step ahead, so an inbox holds at most about one shard.
 */
final class ArteryLink implements RingLink {
    private final ActorSystem<TensorChunk> system;
    private final LinkedBlockingQueue<TensorChunk> inbox;
    private ActorRef<TensorChunk> next;

    private ArteryLink(ActorSystem<TensorChunk> system, LinkedBlockingQueue<TensorChunk> inbox) {
        this.system = system;
        this.inbox = inbox;
    }

    static String systemName(String session) {
        return "t2t-collective-" + session;
    }

    static ArteryLink bind(CollectiveConfig cfg) {
        Config config = ConfigFactory.parseString(String.join("\n",
                        "pekko.actor.provider = remote",
                        "pekko.remote.artery.transport = tcp",
                        "pekko.remote.artery.canonical.hostname = \"" + cfg.host() + "\"",
                        "pekko.remote.artery.canonical.port = " + cfg.port(),
                        // Chunks of up to 1 MiB exceed the ordinary lane's 256 KiB frames.
                        "pekko.remote.artery.large-message-destinations = [\"/user\"]",
                        "pekko.remote.artery.advanced.maximum-large-frame-size = 2 MiB",
                        "pekko.loglevel = WARNING"))
                .withFallback(ConfigFactory.load());
        LinkedBlockingQueue<TensorChunk> inbox = new LinkedBlockingQueue<>();
        ActorSystem<TensorChunk> system = ActorSystem.create(inbox(inbox), systemName(cfg.session()), config);
        return new ArteryLink(system, inbox);
    }

    private static Behavior<TensorChunk> inbox(LinkedBlockingQueue<TensorChunk> queue) {
        return Behaviors.receiveMessage(chunk -> {
            queue.add(chunk);
            return Behaviors.same();
        });
    }

    @Override
    public int port() {
        return system.address().getPort().orElseThrow();
    }

    @Override
    public void connect(Endpoint next, Duration timeout) {
        // Artery associates on the first message; resolving the address starts nothing yet.
        this.next = ActorRefResolver.get(system).resolveActorRef(
                "pekko://" + system.name() + "@" + next.host() + ":" + next.port() + "/user");
    }

    @Override
    public void send(TensorChunk chunk) {
        next.tell(chunk);
    }

    @Override
    public TensorChunk receive(Duration timeout) throws InterruptedException {
        return inbox.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Chunks received and not yet taken by the collective. */
    int pending() {
        return inbox.size();
    }

    @Override
    public void close() {
        RingLink.terminate(system);
    }
}
