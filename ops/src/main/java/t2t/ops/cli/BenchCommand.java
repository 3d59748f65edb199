package t2t.ops.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code t2t bench step|loader|pipeline|allreduce|scaling}: the benchmarks, each beside its reference. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: step (model), loader (decode + augment), pipeline (whole job vs step alone), allreduce, scaling (hosts in network namespaces).")
public final class BenchCommand implements Runnable {
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new BenchCommand());
        cl.addSubcommand("step", new BenchStepCommand());
        cl.addSubcommand("loader", new BenchLoaderCommand());
        cl.addSubcommand("pipeline", BenchPipelineCommand.commandLine());
        cl.addSubcommand("allreduce", new BenchAllreduceCommand());
        cl.addSubcommand("scaling", new BenchScalingCommand());
        return cl;
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
