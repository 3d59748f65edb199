package t2t.ops.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import t2t.actors.config.JobConfig;
import t2t.ops.run.TrainingRun;
import t2t.protocol.UserInputException;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code t2t train}: with no flags, the demo (Fashion-MNIST, a small T2T-ViT student with
 * distillation and token labeling from a CNN teacher trained first and cached, 2 local workers).
 * Every key of the run configuration is a flag; {@code --config FILE} sets them from a file.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model (no flags: the Fashion-MNIST demo). Every flag can also be set in --config FILE.")
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "HOCON or JSON file of key = value (flag names without --)")
    Path config;

    @Option(names = "--json", description = "print the summary as one JSON line on stdout")
    boolean json;

    @Option(names = "--tls", paramLabel = "DIR", description = "with --cluster: this client's folder from ./t2t certs"
            + " (required unless --insecure)")
    Path tls;

    @Option(names = "--insecure", description = "with --cluster: " + ClusterTls.INSECURE_HELP)
    boolean insecure;

    @Option(names = "--min-workers", defaultValue = "1", paramLabel = "INT",
            description = "with --cluster: wait until the worker nodes offer this many workers before starting"
                    + " (default: ${DEFAULT-VALUE})")
    int minWorkers;

    @Option(names = "--host", paramLabel = "ADDRESS", description = "with --cluster: the address the cluster's nodes"
            + " reach this client at (default: 127.0.0.1 when the seed is a loopback address, else what this machine's"
            + " name resolves to)")
    String host;

    public static picocli.CommandLine commandLine() {
        picocli.CommandLine cl = new picocli.CommandLine(new TrainCommand());
        JobOptions.addTo(cl.getCommandSpec());
        return cl;
    }

    @Override
    public Integer call() {
        JobConfig cfg = JobOptions.resolve(config, JobOptions.givenFlags(spec));
        if (cfg.get(JobConfig.CLUSTER).isBlank()) {
            for (String clusterOnly : new String[] {"--tls", "--insecure", "--min-workers", "--host"}) {
                if (spec.commandLine().getParseResult().hasMatchedOption(clusterOnly)) {
                    throw new UserInputException(clusterOnly + " applies to cluster jobs only: add --cluster HOST:PORT,"
                            + " or drop " + clusterOnly);
                }
            }
        }
        Map<String, Object> summary = cfg.get(JobConfig.CLUSTER).isBlank()
                ? new TrainingRun(cfg, System.err).run()
                : ClusterSubmission.run(cfg, tls, insecure, minWorkers, host);
        if (json) {
            Json.print(summary);
        } else {
            System.out.printf(java.util.Locale.ROOT, "top-1 %.4f  top-5 %.4f  (%s, %s, %.0f s, %.0f img/s)%n"
                            + "weights sha256 %s%nrun folder %s%n",
                    summary.get("top1"), summary.get("top5"), Plural.of(summary.get("epochs"), "epoch"),
                    Plural.of(summary.get("steps"), "step"),
                    ((Number) summary.get("wall_s")).doubleValue(), ((Number) summary.get("train_img_per_s")).doubleValue(),
                    summary.get("weights_sha256"), summary.get("run_dir"));
        }
        return 0;
    }
}
