package t2t.ops.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import t2t.actors.checkpoint.CheckpointStore;
import t2t.actors.engine.CheckpointModels;
import t2t.actors.engine.JobAssembly;
import t2t.model.io.ModelCard;
import t2t.model.io.Safetensors;
import t2t.model.io.Tensor;
import t2t.protocol.UserInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code t2t export --checkpoint PATH --output W.safetensors}: the weights in the official
 * state-dict naming (F32), as {@code ./t2t predict --weights} and PyTorch read them, with the
 * model's name, architecture args and class names in the file's metadata ({@link ModelCard}).
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a checkpoint's weights (official state-dict names, safetensors F32).")
public final class ExportCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "PATH",
            description = "checkpoint folder, or a run folder (its newest valid checkpoint)")
    Path checkpoint;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = "the .safetensors file to write")
    Path output;

    @Option(names = "--ema", description = "export the EMA weights (the checkpoint must have them)")
    boolean ema;

    @Option(names = "--json", description = "print one JSON object as the last stdout line")
    boolean json;

    @Override
    public Integer call() throws Exception {
        CheckpointStore.Loaded c = CheckpointModels.open(checkpoint);
        String file = ema ? "ema.safetensors" : JobAssembly.WEIGHTS;
        if (!c.files().containsKey(file)) {
            throw new UserInputException("checkpoint " + c.path() + " has no EMA weights: train with --model-ema, or drop --ema");
        }
        Map<String, Tensor> tensors = Safetensors.read(c.file(file), c.path().resolve(file).toString());
        ModelCard card = CheckpointModels.card(c);
        Files.createDirectories(output.toAbsolutePath().getParent());
        Safetensors.write(output, tensors, "F32", card.toMetadata());
        long bytes = Files.size(output);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("checkpoint", c.path().toString());
        out.put("step", c.manifest().getStep());
        out.put("model", card.model());
        out.put("model_args", card.args());
        out.put("class_names", card.classNames());
        out.put("output", output.toString());
        out.put("bytes", bytes);
        out.put("weights_sha256", ema ? null : c.manifest().getWeightsSha256());
        if (json) {
            Json.print(out);
        } else {
            System.out.println("wrote " + output + " (" + bytes + " bytes, " + card.model() + ") from " + c.path()
                    + "; ./t2t predict --weights " + output + " IMAGE... reads the model from it");
        }
        return 0;
    }
}
