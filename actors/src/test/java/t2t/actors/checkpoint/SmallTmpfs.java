package t2t.actors.checkpoint;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A size-limited tmpfs for full-disk tests: mounting one needs root, so a test skips where it fails. */
public final class SmallTmpfs {
    private SmallTmpfs() {}

    /** Mounts a tmpfs of {@code size} (mount's syntax: 256k, 2m) on {@code dir}; false when this user cannot. */
    public static boolean mount(Path dir, String size) throws Exception {
        return run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
    }

    public static void unmount(Path dir) throws Exception {
        if (!run("umount", dir.toString())) {
            throw new IllegalStateException("cannot unmount the test tmpfs " + dir);
        }
    }

    private static boolean run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
}
