package t2t.ops.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import t2t.model.ModelRegistry;
import t2t.model.T2tVit;
import t2t.model.io.Npy;
import t2t.model.io.Tensor;
import t2t.model.io.Weights;
import t2t.ops.Main;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PredictCommandTest {
    private static final String ARGS = "img_size=32,in_chans=1,num_classes=4,embed_dim=16,depth=1,num_heads=2,"
            + "mlp_ratio=1,token_dim=8,soft_split=small";
    private static final Map<String, String> ARG_MAP = t2t.model.ModelArgs.parse(ARGS);

    @TempDir
    static Path dir;
    static Path weights;
    static Path input;
    static float[] expected;

    @BeforeAll
    static void writeWeightsAndInput() throws Exception {
        weights = dir.resolve("w.safetensors");
        input = dir.resolve("x.npy");
        float[] x = new float[3 * 32 * 32];
        Random r = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        Npy.write(input, new long[] {3, 1, 32, 32}, x);
        try (NDManager m = NDManager.newBaseManager()) {
            T2tVit model = ModelRegistry.createT2t("t2t_vit_7", ARG_MAP);
            model.initializeWeights(m, DataType.FLOAT32, 4);
            Weights.save(model, weights, "F32");
            expected = model.predict(m.create(x, new Shape(3, 1, 32, 32))).toFloatArray();
        }
    }

    private static int run(StringWriter err, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void writesTheLogitsOfTheModel() {
        Path out = dir.resolve("y.npy");
        StringWriter err = new StringWriter();
        int code = run(err, "predict", "--model", "t2t_vit_7", "--model-args", ARGS, "--weights", weights.toString(),
                "--input", input.toString(), "--output", out.toString(), "--topk", "2");
        assertEquals(0, code, err.toString());
        Tensor y = Npy.read(out);
        assertArrayEquals(new long[] {3, 4}, y.shape());
        assertArrayEquals(expected, y.values(), 1e-6f);
    }

    @Test
    void imagesGoThroughTheEvalTransform() throws Exception {
        // a uniform gray image: after resize and crop every pixel is still gray 128
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(50, 40, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int yy = 0; yy < 40; yy++) {
            for (int xx = 0; xx < 50; xx++) {
                img.setRGB(xx, yy, 0x808080);
            }
        }
        Path png = dir.resolve("gray.png");
        javax.imageio.ImageIO.write(img, "png", png.toFile());
        Tensor t = PredictImages.load(java.util.List.of(png), ModelRegistry.create("t2t_vit_7", ARG_MAP).dataConfig(), false);
        assertArrayEquals(new long[] {1, 1, 32, 32}, t.shape());
        float want = (128 / 255f - 0.449f) / 0.226f;
        for (float v : t.values()) {
            assertEquals(want, v, 1e-5f);
        }
        Path out = dir.resolve("img.npy");
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, "predict", "--model", "t2t_vit_7", "--model-args", ARGS, "--weights", weights.toString(),
                "--output", out.toString(), png.toString()), err.toString());
        assertArrayEquals(new long[] {1, 4}, Npy.read(out).shape());
    }

    @Test
    void unknownModelListsTheKnownOnes() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "predict", "--model", "vit_huge", "--weights", weights.toString(), "--input", input.toString()));
        assertTrue(err.toString().contains("t2t_vit_7"), err.toString());
    }

    @Test
    void misShapedInputIsNamed() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "predict", "--model", "t2t_vit_7", "--weights", weights.toString(), "--input", input.toString()));
        assertTrue(err.toString().contains("[3, 1, 32, 32]") && err.toString().contains("[N, 3, 224, 224]"), err.toString());
    }

    @Test
    void truncatedWeightsAreRefusedWithExitCode2() throws Exception {
        Path cut = dir.resolve("cut.safetensors");
        byte[] all = Files.readAllBytes(weights);
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "predict", "--model", "t2t_vit_7", "--model-args", ARGS, "--weights", cut.toString(),
                "--input", input.toString()));
        assertTrue(err.toString().contains("truncated"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }

    @Test
    void weightsOfAnotherShapeListTheKeys() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "predict", "--model", "t2t_vit_7", "--model-args", ARGS.replace("num_classes=4", "num_classes=5"),
                "--weights", weights.toString(), "--input", input.toString()));
        assertTrue(err.toString().contains("mis-shaped [head.weight"), err.toString());
    }

    @Test
    void cnnWeightsLoadByName() throws Exception {
        String args = "img_size=32,in_chans=1,num_classes=4";
        Path w = dir.resolve("cnn.safetensors");
        float[] want;
        float[] x = Npy.read(input).values();
        try (NDManager m = NDManager.newBaseManager()) {
            t2t.model.VisionModel cnn = ModelRegistry.create("resnet_tiny", t2t.model.ModelArgs.parse(args));
            cnn.initializeWeights(m, DataType.FLOAT32, 5);
            Weights.save(cnn, w, "F32");
            want = cnn.predict(m.create(x, new Shape(3, 1, 32, 32))).toFloatArray();
        }
        Path out = dir.resolve("cnn.npy");
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, "predict", "--model", "resnet_tiny", "--model-args", args, "--weights", w.toString(),
                "--input", input.toString(), "--output", out.toString()), err.toString());
        assertArrayEquals(want, Npy.read(out).values(), 1e-5f);
    }

    @Test
    void aTruncatedJpegIsRefusedAsTheLoaderRefusesIt() throws Exception {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(40, 40, java.awt.image.BufferedImage.TYPE_INT_RGB);
        Random r = new Random(2);
        for (int yy = 0; yy < 40; yy++) {
            for (int xx = 0; xx < 40; xx++) {
                img.setRGB(xx, yy, r.nextInt(0xffffff));
            }
        }
        Path jpg = dir.resolve("whole.jpg");
        javax.imageio.ImageIO.write(img, "jpg", jpg.toFile());
        Path cut = dir.resolve("cut.jpg");
        byte[] all = Files.readAllBytes(jpg);
        Files.write(cut, java.util.Arrays.copyOf(all, all.length * 2 / 3));
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "predict", "--model", "t2t_vit_7", "--model-args", ARGS, "--weights", weights.toString(),
                cut.toString()), err.toString());
        assertTrue(err.toString().contains("truncated JPEG"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }

    @Test
    void aDecompressionBombIsRefusedFromItsHeader() throws Exception {
        // A few hundred bytes declaring 20000 x 20000 RGB: decoded, 1.2 GB.
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13).putInt(20_000).putInt(20_000)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(png, "IHDR", ihdr.array());
        java.io.ByteArrayOutputStream row = new java.io.ByteArrayOutputStream();
        try (java.util.zip.DeflaterOutputStream z = new java.util.zip.DeflaterOutputStream(row)) {
            z.write(new byte[1 + 3 * 20_000]);
        }
        chunk(png, "IDAT", row.toByteArray());
        chunk(png, "IEND", new byte[0]);
        Path bomb = dir.resolve("bomb.png");
        Files.write(bomb, png.toByteArray());
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "predict", "--model", "t2t_vit_7", "--model-args", ARGS, "--weights", weights.toString(),
                bomb.toString()), err.toString());
        assertTrue(err.toString().contains("decompression bomb"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }

    private static void chunk(java.io.ByteArrayOutputStream out, String type, byte[] data) throws java.io.IOException {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(type.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        crc.update(data);
        out.write(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
        out.write(type.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.write(data);
        out.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
