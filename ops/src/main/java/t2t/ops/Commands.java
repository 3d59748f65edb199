package t2t.ops;

import picocli.CommandLine;

/** The one place where subcommands are registered, one line each. */
final class Commands {
    private Commands() {}

    static void register(CommandLine cl) {
        cl.addSubcommand(new t2t.ops.cli.AugmentPreviewCommand());
    }
}
