package t2t.ops.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import t2t.ops.Main;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code bench scaling} hands its flags to the testbed script and returns its exit status: bad
 * flags are usage errors (2) before anything is built, as root or not.
 */
class BenchScalingArgsTest {
    private static int run(String... args) {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")),
                "skipped: the testbed runs on /usr/bin/python3 (apt-get install python3)");
        String[] all = new String[args.length + 2];
        all[0] = "bench";
        all[1] = "scaling";
        System.arraycopy(args, 0, all, 2, args.length);
        return Main.commandLine().execute(all);
    }

    @Test
    void badFlagsExitWithUsage() {
        assertEquals(Main.EXIT_USAGE, run("--hosts", "1"));
        assertEquals(Main.EXIT_USAGE, run("--rate", "fast"));
        assertEquals(Main.EXIT_USAGE, run("--steps", "x"));
        assertEquals(Main.EXIT_USAGE, run("--systems", "horovod"));
        assertEquals(Main.EXIT_USAGE, run("--subnet", "8.8.8"));
    }

    @Test
    void helpIsTheScriptsAndSucceeds() {
        assertEquals(Main.EXIT_OK, run("--help"));
    }
}
