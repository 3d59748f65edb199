package t2t.ops.cli;

import t2t.protocol.UserInputException;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** HOST:PORT of a cluster node, checked, and the address this machine is reached at. */
final class ClusterAddress {
    private ClusterAddress() {}

    static String host(String hostPort, String flag) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new UserInputException(flag + " " + hostPort + ": expected HOST:PORT, e.g. 127.0.0.1:25520");
        }
        return hostPort.substring(0, colon);
    }

    static int port(String hostPort, String flag) {
        String host = host(hostPort, flag);
        try {
            int p = Integer.parseInt(hostPort.substring(host.length() + 1));
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new UserInputException(flag + " " + hostPort + ": the port must be 1 to 65535");
        }
    }

    /** Loopback seeds keep the whole cluster on loopback (tests, one machine); otherwise this host's address. */
    static String defaultHost(String seedHost) {
        if (seedHost.equals("localhost") || seedHost.startsWith("127.")) {
            return "127.0.0.1";
        }
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (UnknownHostException e) {
            throw new UserInputException("cannot find this machine's address: pass --host");
        }
    }
}
