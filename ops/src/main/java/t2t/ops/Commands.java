package t2t.ops;

import picocli.CommandLine;

/** The one place where subcommands are registered, one line each. */
final class Commands {
    private Commands() {}

    static void register(CommandLine cl) {
        cl.addSubcommand(t2t.ops.cli.TrainCommand.commandLine());
        cl.addSubcommand(new t2t.ops.cli.NodeCommand());
        cl.addSubcommand(new t2t.ops.cli.EvalCommand());
        cl.addSubcommand(new t2t.ops.cli.ExportCommand());
        cl.addSubcommand(new t2t.ops.cli.ModelsCommand());
        cl.addSubcommand(new t2t.ops.cli.PredictCommand());
        cl.addSubcommand(new t2t.ops.cli.AugmentPreviewCommand());
        cl.addSubcommand(t2t.ops.cli.BenchCommand.commandLine());
        cl.addSubcommand(new t2t.ops.cli.CertsCommand());
    }
}
