package t2t.ops;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.Set;
import t2t.model.check.CpuInfo;
import t2t.model.check.EngineSelfCheck;
import t2t.ops.cli.Json;
import t2t.protocol.RunFailedException;
import t2t.protocol.UserInputException;

/**
 * The {@code t2t} command. Exit codes: 0 success, 2 bad usage or input (one line naming the
 * problem and the fix), 1 internal failure.
 */
@Command(
        name = "t2t",
        mixinStandardHelpOptions = true,
        version = "t2t-pekko 0.1.0",
        description = "Train, evaluate and serve T2T-ViT models on one machine or a Pekko cluster.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static final int EXIT_OK = 0;
    public static final int EXIT_INTERNAL = 1;
    public static final int EXIT_USAGE = 2;

    /** The commands that compute with the engine: each starts with the engine self-check. */
    static final Set<String> ENGINE_COMMANDS = Set.of("train", "eval", "predict", "node");

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        Commands.register(cl);
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            Throwable root = ex;
            while (!(root instanceof UserInputException) && !(root instanceof RunFailedException)
                    && root.getCause() != null) {
                root = root.getCause();
            }
            if (root instanceof UserInputException) {
                cmd.getErr().println("t2t: " + root.getMessage());
                return EXIT_USAGE;
            }
            if (root instanceof RunFailedException) {
                cmd.getErr().println("t2t: " + root.getMessage());
                return EXIT_INTERNAL;
            }
            cmd.getErr().println("t2t: internal error: " + ex);
            ex.printStackTrace(cmd.getErr());
            return EXIT_INTERNAL;
        });
        cl.setExecutionStrategy(parseResult -> {
            CommandLine.ParseResult sub = parseResult.subcommand();
            if (sub != null && ENGINE_COMMANDS.contains(sub.commandSpec().name())
                    && !sub.isUsageHelpRequested() && !sub.isVersionHelpRequested()) {
                int code = selfCheckGate(EngineSelfCheck.runStandard(), cl.getErr());
                if (code != EXIT_OK) {
                    return code;
                }
            }
            return new CommandLine.RunLast().execute(parseResult);
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            String problem = ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                    ? UnknownArgument.describe(u.getUnmatched().get(0), cmd.getCommandSpec()) : ex.getMessage();
            cmd.getErr().println("t2t: " + problem + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            return EXIT_USAGE;
        });
        return cl;
    }

    /**
     * Refuses to compute on an engine whose kernels fail the self-check on this CPU: one line naming
     * the op, the CPU's ISA and the workaround, exit 1 (it is not the user's input that is wrong).
     */
    static int selfCheckGate(EngineSelfCheck.Result result, PrintWriter err) {
        if (result.ok()) {
            return EXIT_OK;
        }
        err.println("t2t: " + result.describe(CpuInfo.read()));
        err.flush();
        return EXIT_INTERNAL;
    }

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        int code;
        try {
            code = commandLine().execute(args);
        } catch (OutOfMemoryError e) {
            // Java heap or direct memory: the fix is the same, and a stack trace would not say it.
            System.err.println("t2t: out of memory (" + e.getMessage() + "): a smaller --batch-size or model, or a"
                    + " larger heap, e.g. T2T_JAVA_OPTS=-Xmx16g ./t2t ...");
            code = EXIT_INTERNAL;
        }
        Json.flush();
        System.exit(code);
    }
}
