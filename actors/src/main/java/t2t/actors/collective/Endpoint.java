package t2t.actors.collective;

/**
 * Where one rank can be reached: the host and port of its ring transport, and a key naming the machine it runs on
 * (ranks with equal keys can share memory).
 */
public record Endpoint(String host, int port, String hostKey) {
    public Endpoint {
        if (host.isEmpty() || host.contains(" ") || hostKey.contains(" ") || port < 0 || port > 65535) {
            throw new IllegalArgumentException("bad endpoint " + host + ":" + port + " on " + hostKey);
        }
    }

    /** One line, spaces between the fields; read back by {@link #parse}. */
    public String format() {
        return host + " " + port + " " + hostKey;
    }

    public static Endpoint parse(String line) {
        String[] f = line.trim().split(" ");
        if (f.length != 3) {
            throw new IllegalArgumentException("not an endpoint line: '" + line + "'");
        }
        return new Endpoint(f[0], Integer.parseInt(f[1]), f[2]);
    }
}
