package t2t.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import t2t.actors.checkpoint.CheckpointStore;
import t2t.actors.engine.JobAssembly;
import t2t.model.io.ModelCard;
import t2t.model.io.Npy;
import t2t.model.io.Safetensors;
import t2t.model.io.Tensor;
import t2t.ops.Main;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a newcomer meets after a first run: the lines it prints, the folders it leaves, and its
 * weights through export, predict and eval, including the bad inputs those refuse.
 */
class FirstRunTest {
    private static final String MODEL_ARGS = "embed_dim=16,depth=1,num_heads=2,mlp_ratio=1.0,token_dim=8";

    @TempDir
    static Path dir;
    static Path run;
    static String trainErr;
    static Path input;

    @BeforeAll
    static void trainOneTinyEpoch() throws Exception {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.commandLine().execute("train", "--data", "synthetic:48", "--model-args", MODEL_ARGS,
                    "--teacher", "none", "--token-label", "false", "--distillation-type", "none", "--epochs", "1",
                    "--batch-size", "16", "--workers", "1", "--log-every", "1", "--out", dir.toString(), "--name", "first");
        } finally {
            System.setErr(saved);
        }
        trainErr = captured.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, trainErr);
        run = dir.resolve("first");
        float[] x = new float[2 * 3 * 32 * 32];
        Random r = new Random(3);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        input = dir.resolve("x.npy");
        Npy.write(input, new long[] {2, 3, 32, 32}, x);
    }

    private static String run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        PrintStream saved = System.out;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        try {
            out.write(Integer.toString(cl.execute(args)));
        } finally {
            System.setOut(saved);
        }
        return stdout.toString(StandardCharsets.UTF_8);
    }

    /** Exit code 2 and exactly one line on stderr, which is returned. */
    private static String refused(String... args) {
        StringWriter code = new StringWriter();
        StringWriter err = new StringWriter();
        run(code, err, args);
        assertEquals("2", code.toString(), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        return err.toString().strip();
    }

    private static String ok(String... args) {
        StringWriter code = new StringWriter();
        StringWriter err = new StringWriter();
        String stdout = run(code, err, args);
        assertEquals("0", code.toString(), err.toString());
        return stdout;
    }

    @Test
    void theRunSaysEachThingOnceInPlainWords() {
        assertFalse(trainErr.contains("sync sync"), trainErr);
        assertFalse(trainErr.contains("lr cosine lr"), trainErr);
        assertTrue(trainErr.contains("over 1 epoch ("), trainErr);
        assertFalse(trainErr.contains("1 epochs"), trainErr);
        assertFalse(trainErr.contains("dist 0.0000") || trainErr.contains("dense 0.0000"),
                "no distillation or token labeling in this run: no such loss parts\n" + trainErr);
    }

    @Test
    void checkpointFoldersCountStepsAsTheMetricsDo() throws Exception {
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        long lastStep = 0;
        for (String l : lines) {
            lastStep = Math.max(lastStep, Json.MAPPER.readTree(l).path("step").asLong());
        }
        assertEquals(3, lastStep, "48 samples in batches of 16");
        assertEquals("step-" + lastStep, Files.readString(run.resolve("checkpoints/latest")).strip());
    }

    @Test
    void exportedWeightsCarryTheModelSoPredictNeedsNoModelFlags() throws Exception {
        Path w = dir.resolve("exported.safetensors");
        ok("export", "--checkpoint", run.toString(), "--output", w.toString());
        ModelCard card = ModelCard.fromMetadata(Safetensors.metadata(w));
        assertEquals("t2t_vit_7", card.model());
        assertEquals("16", card.args().get("embed_dim"));
        assertEquals("10", card.args().get("num_classes"));
        assertEquals(List.of("class0", "class1", "class2", "class3", "class4", "class5", "class6", "class7", "class8",
                "class9"), card.classNames());

        Path bare = dir.resolve("bare.npy");
        String printed = ok("predict", "--weights", w.toString(), "--input", input.toString(), "--output", bare.toString());
        assertTrue(printed.startsWith("sample 0:  class"), "class names, not indices:\n" + printed);
        Path flagged = dir.resolve("flagged.npy");
        ok("predict", "--model", "t2t_vit_7", "--model-args", MODEL_ARGS + ",img_size=32,in_chans=3,num_classes=10",
                "--weights", w.toString(), "--input", input.toString(), "--output", flagged.toString());
        assertArrayEquals(Npy.read(flagged).values(), Npy.read(bare).values(), 0f);

        JsonNode json = Json.MAPPER.readTree(ok("predict", "--weights", w.toString(), "--input", input.toString(),
                "--topk", "1", "--json").strip().lines().reduce((a, b) -> b).orElseThrow());
        assertTrue(json.at("/topk/0/0/name").asText().startsWith("class"), json.toString());
    }

    @Test
    void flagsStillOverrideTheFilesModelArgs() throws Exception {
        Path w = dir.resolve("override.safetensors");
        ok("export", "--checkpoint", run.toString(), "--output", w.toString());
        String err = refused("predict", "--weights", w.toString(), "--model-args", "num_classes=5", "--input", input.toString());
        assertTrue(err.contains("mis-shaped [head.weight"), err);
    }

    @Test
    void nonFiniteWeightsAreRefused() throws Exception {
        Path w = dir.resolve("nan.safetensors");
        ok("export", "--checkpoint", run.toString(), "--output", w.toString());
        rewrite(w, t -> {
            t.values()[0] = Float.NaN;
            return t;
        });
        String err = refused("predict", "--model", "t2t_vit_7", "--model-args", MODEL_ARGS
                + ",img_size=32,in_chans=3,num_classes=10", "--weights", w.toString(), "--input", input.toString());
        assertTrue(err.contains("NaN or infinite"), err);
    }

    @Test
    void aForgedModelJsonIsRefusedBeforeAnythingIsAllocated() throws Exception {
        Path forged = copyCheckpoint("forged", files -> files.put(JobAssembly.MODEL,
                "{\"model\":\"t2t_vit_7\",\"args\":{\"embed_dim\":\"4096\",\"depth\":\"48\",\"num_heads\":\"64\"}}"
                        .getBytes(StandardCharsets.UTF_8)));
        String err = refused("eval", "--checkpoint", forged.toString());
        assertTrue(err.contains("weights do not fit t2t_vit_7"), err);
    }

    @Test
    void evalErrorsNameTheCheckpointNotATempFile() throws Exception {
        Path damaged = copyCheckpoint("damaged", files -> {
            byte[] w = files.get(JobAssembly.WEIGHTS);
            files.put(JobAssembly.WEIGHTS, java.util.Arrays.copyOf(w, w.length / 2));
        });
        String err = refused("eval", "--checkpoint", damaged.toString());
        assertTrue(err.contains(damaged.resolve(JobAssembly.WEIGHTS).toString()) && err.contains("truncated"), err);
        assertFalse(err.contains(System.getProperty("java.io.tmpdir") + "/t2t"), err);
    }

    /** The run's checkpoint written again (with a valid manifest) under {@code name}, some files changed. */
    private static Path copyCheckpoint(String name, java.util.function.Consumer<Map<String, byte[]>> change) {
        CheckpointStore.Loaded c = CheckpointStore.load(run.resolve("checkpoints")
                .resolve(readLatest()));
        Map<String, byte[]> files = new LinkedHashMap<>(c.files());
        change.accept(files);
        return new CheckpointStore(dir.resolve(name), 1).write(new CheckpointStore.Content(c.manifest().getStep(),
                c.manifest().getEpoch(), c.manifest().getConfigJson(), c.manifest().getWeightsSha256(), files));
    }

    private static String readLatest() {
        try {
            return Files.readString(run.resolve("checkpoints/latest")).strip();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void rewrite(Path file, UnaryOperator<Tensor> first) throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>(Safetensors.read(file));
        String key = t.keySet().iterator().next();
        t.put(key, first.apply(t.get(key)));
        Safetensors.write(file, t, "F32", Safetensors.metadata(file));
    }
}
