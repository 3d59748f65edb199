package t2t.actors.cluster.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import org.apache.pekko.actor.typed.ActorSystem;
import t2t.protocol.UserInputException;

/** Serves one node's {@link NodeMetrics} at {@code http://HOST:PORT/metrics} for Prometheus to scrape. */
public final class MetricsServer implements AutoCloseable {
    private final HTTPServer server;

    private MetricsServer(HTTPServer server) {
        this.server = server;
    }

    /**
     * Starts serving; {@code port} 0 picks a free port ({@link #port()} tells which). The server
     * runs on its own small thread pool, never on an actor dispatcher.
     */
    public static MetricsServer start(String host, int port, NodeMetrics metrics) {
        try {
            return new MetricsServer(HTTPServer.builder().hostname(host).port(port)
                    .registry(metrics.registry()).buildAndStart());
        } catch (BindException e) {
            throw new UserInputException("cannot serve metrics on " + host + ":" + port + " ("
                    + e.getMessage() + "); another process holds the port: pick another metrics port", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + host + ":" + port, e);
        }
    }

    /**
     * Closes this server when {@code system} terminates. The JDK's HTTP dispatcher thread is not a
     * daemon: a node that forgets to close the server never exits.
     */
    public MetricsServer closeWhenTerminated(ActorSystem<?> system) {
        system.getWhenTerminated().thenRun(this::close);
        return this;
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
