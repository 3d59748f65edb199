package t2t.ops.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;
import t2t.protocol.UserInputException;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code t2t bench scaling}: the multi-host testbed (network namespaces, shaped links, pinned cores;
 * t2t beside PyTorch DDP). The namespaces and {@code tc} are driven from {@code ops/testbed/scaling.py},
 * which this command runs with every flag passed through ({@code --help} is the script's); the nodes
 * it starts are this build, through the same JVM command as this one, so a benchmark never measures
 * a stale jar.
 */
@Command(name = "scaling", description = "N hosts as network namespaces with shaped links: img/s on 1 and N hosts,"
        + " scaling efficiency and bytes per step, t2t beside PyTorch DDP (root; see --help).")
public final class BenchScalingCommand implements Callable<Integer> {
    /** The launcher's JVM flags (see ./t2t), so the nodes run as a user's would. */
    private static final List<String> JVM_FLAGS = List.of("-XX:+UseParallelGC", "-Xss4m", "-Dai.djl.offline=true",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED");

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path script = repositoryRoot().resolve("ops").resolve("testbed").resolve("scaling.py");
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException("the testbed script " + script + " is missing: run from a full checkout");
        }
        List<String> cmd = new ArrayList<>(List.of(python(), script.toString(), "--t2t-command",
                Json.MAPPER.writeValueAsString(t2tCommand())));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        // SIGTERM to this JVM reaches the script as SIGTERM too, and it deletes its namespaces before exiting.
        Thread stop = new Thread(() -> {
            p.destroy();
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(stop);
        int code = p.waitFor();
        Runtime.getRuntime().removeShutdownHook(stop);
        return code;
    }

    /** This JVM's t2t command: java, the launcher's flags plus T2T_JAVA_OPTS, this classpath, Main. */
    static List<String> t2tCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_FLAGS);
        String extra = System.getenv("T2T_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(Arrays.asList(extra.trim().split("\\s+")));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "t2t.ops.Main"));
        return cmd;
    }

    private static String python() {
        // The script needs only the standard library; Debian's python is also the one python3-torch installs into.
        Path debian = Path.of("/usr/bin/python3");
        if (Files.isExecutable(debian)) {
            return debian.toString();
        }
        throw new UserInputException("bench scaling needs /usr/bin/python3: apt-get install python3");
    }

    /** ops/target/classes (or the ops jar) lies two folders under ops/, which lies under the root. */
    private static Path repositoryRoot() {
        try {
            Path code = Path.of(BenchScalingCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return code.toAbsolutePath().getParent().getParent().getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate this build's folder: " + e.getMessage(), e);
        }
    }
}
