package t2t.actors.collective;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** A name for this machine that two processes agree on exactly when they can map the same /dev/shm files. */
final class HostKey {
    private HostKey() {}

    static String local() {
        // The boot id changes per (virtual) machine boot and is the same for every process of it; the host name is a
        // fallback off Linux. Two containers on one kernel share the boot id but maybe not /dev/shm: pick a
        // transport other than AUTO there.
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
        } catch (IOException e) {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e2) {
                return "unknown-host";
            }
        }
    }
}
