package t2t.actors.collective;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Endpoint exchange over one well-known TCP port (what torchrun's MASTER_ADDR:MASTER_PORT store does): every rank
 * connects, says "rank host port hostKey", and once all have, each gets every endpoint back, one line per rank.
 */
public final class Rendezvous implements AutoCloseable {
    private final ServerSocket server;
    private final int world;

    private Rendezvous(ServerSocket server, int world) {
        this.server = server;
        this.world = world;
    }

    /** Listens on {@code host:port} (0 = any free port) for one group of {@code world} ranks. */
    public static Rendezvous listen(String host, int port, int world) throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getByName(host), port), world);
        return new Rendezvous(s, world);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Waits for every rank, then answers them all; fails if one does not come within {@code timeout}. */
    public void serve(Duration timeout) throws IOException {
        Socket[] sockets = new Socket[world];
        String[] lines = new String[world];
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            for (int joined = 0; joined < world; joined++) {
                server.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                Socket s;
                try {
                    s = server.accept();
                } catch (SocketTimeoutException e) {
                    throw new IOException("rendezvous: " + joined + " of " + world + " ranks came within " + timeout);
                }
                s.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
                String[] f = line == null ? new String[0] : line.split(" ", 2);
                int rank = f.length == 2 ? parseRank(f[0]) : -1;
                if (rank < 0 || rank >= world || sockets[rank] != null) {
                    s.close();
                    throw new IOException("rendezvous: bad or repeated hello '" + line + "'");
                }
                Endpoint.parse(f[1]);
                sockets[rank] = s;
                lines[rank] = f[1];
            }
            String answer = String.join("\n", lines) + "\n";
            for (Socket s : sockets) {
                Writer w = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8);
                w.write(answer);
                w.flush();
            }
        } finally {
            for (Socket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    private static int parseRank(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The rank side: connects to {@code host:port} (retrying until it listens) and returns every endpoint. */
    public static PeerDirectory client(String host, int port, int world, Duration timeout) {
        return (rank, mine) -> {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(host, port), (int) Math.max(1, timeout.toMillis()));
                    s.setSoTimeout((int) Math.max(1, timeout.toMillis()));
                    Writer w = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8);
                    w.write(rank + " " + mine.format() + "\n");
                    w.flush();
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    List<Endpoint> all = new ArrayList<>(world);
                    for (int i = 0; i < world; i++) {
                        String line = in.readLine();
                        if (line == null) {
                            throw new IOException("rendezvous at " + host + ":" + port + " closed after " + i + " of "
                                    + world + " endpoints");
                        }
                        all.add(Endpoint.parse(line));
                    }
                    return all;
                } catch (java.net.ConnectException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("no rendezvous listening at " + host + ":" + port + " within " + timeout, e);
                    }
                    Thread.sleep(50);
                }
            }
        };
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    @Override
    public String toString() {
        return "Rendezvous" + Arrays.asList(server.getLocalSocketAddress(), world);
    }
}
