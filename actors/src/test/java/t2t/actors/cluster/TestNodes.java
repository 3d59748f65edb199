package t2t.actors.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

/** What every test that starts cluster nodes inside its own JVM on 127.0.0.1 shares. */
public final class TestNodes {
    private TestNodes() {}

    /** A port free at the time of asking (another process may still take it before the node binds). */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /**
     * A cluster node's settings on 127.0.0.1:{@code port} (0: any), over the library defaults. Several
     * nodes share this JVM, so each registers its own JMX beans, and none runs coordinated shutdown
     * from the JVM's shutdown hook: the tests terminate their systems themselves.
     */
    public static Config localNode(int port) {
        return ConfigFactory.parseString("""
                pekko.loglevel = WARNING
                pekko.actor.provider = cluster
                pekko.remote.artery.canonical.hostname = "127.0.0.1"
                pekko.remote.artery.canonical.port = %d
                pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
                """.formatted(port)).withFallback(ConfigFactory.load());
    }

    /** Terminates every system, then waits for each (all shut down together, not one after another). */
    public static void terminate(Collection<? extends ActorSystem<?>> systems) throws Exception {
        for (ActorSystem<?> s : systems) {
            s.terminate();
        }
        for (ActorSystem<?> s : systems) {
            s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
