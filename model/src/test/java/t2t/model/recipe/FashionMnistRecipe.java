package t2t.model.recipe;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import t2t.model.eval.ClassificationMetrics;
import t2t.model.loss.LabelSmoothingCrossEntropy;
import t2t.model.loss.SoftTargetCrossEntropy;
import t2t.model.optim.AdamW;
import t2t.model.optim.AdamWState;
import t2t.model.optim.BlockParameters;
import t2t.model.optim.CosineSchedule;
import t2t.model.optim.DecayRule;
import t2t.model.optim.FlatLayout;
import t2t.model.teacher.CnnNet;
import t2t.model.teacher.CnnTeachers;

/**
 * The Fashion-MNIST CNN-teacher recipe, validated end to end with this module's own pieces: the
 * CNN, SoftTargetCrossEntropy on smoothed one-hot targets, AdamW over the flat vector and the
 * cosine schedule, plus a random crop (padding 2) and horizontal flip written here. The `train`
 * command reproduces it with the real loader.
 *
 * <p>Run: {@code mvn -pl model -am test -Pslow -Dtest=FashionMnistRecipeTest} or this main with
 * args {@code [model epochs batch lr maxStepsPerEpoch]}.
 */
public final class FashionMnistRecipe {

    static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
    static final float MEAN = 0.2860f;
    static final float STD = 0.3530f;

    /** What a run reached. */
    public record Result(double top1, double top5, int epochs, long steps, double wallSeconds, double trainImgPerSec) {}

    public record Settings(String model, int epochs, int batch, double lr, double minLr, double warmupEpochs,
                           double weightDecay, double smoothing, int maxStepsPerEpoch, long seed) {}

    /** The validated recipe (see BENCHMARKS.md). */
    static final Settings DEFAULT = new Settings("resnet_tiny", 15, 128, 2e-3, 1e-5, 0.5, 0.05, 0.1, Integer.MAX_VALUE, 42);

    private FashionMnistRecipe() {}

    public static void main(String[] args) throws IOException {
        Settings d = DEFAULT;
        Settings s = new Settings(
                args.length > 0 ? args[0] : d.model(),
                args.length > 1 ? Integer.parseInt(args[1]) : d.epochs(),
                args.length > 2 ? Integer.parseInt(args[2]) : d.batch(),
                args.length > 3 ? Double.parseDouble(args[3]) : d.lr(),
                d.minLr(), d.warmupEpochs(), d.weightDecay(), d.smoothing(),
                args.length > 4 ? Integer.parseInt(args[4]) : d.maxStepsPerEpoch(),
                d.seed());
        System.out.println(run(s));
    }

    public static Result run(Settings s) throws IOException {
        int[] dims = new int[3];
        byte[] trainX = IdxGz.images(DATA.resolve("train-images-idx3-ubyte.gz"), dims);
        int[] trainY = IdxGz.labels(DATA.resolve("train-labels-idx1-ubyte.gz"));
        int n = dims[0];
        int side = dims[1];
        byte[] testX = IdxGz.images(DATA.resolve("t10k-images-idx3-ubyte.gz"), dims);
        int[] testY = IdxGz.labels(DATA.resolve("t10k-labels-idx1-ubyte.gz"));
        int nTest = dims[0];
        int classes = 10;

        Engine.getInstance().setRandomSeed((int) s.seed());
        Random rng = new Random(s.seed());
        long t0 = System.nanoTime();
        long trainNanos = 0;
        long trainImages = 0;
        try (NDManager root = NDManager.newBaseManager()) {
            CnnNet net = s.model().contains(":") ? customNet(s.model(), classes) : CnnTeachers.create(s.model(), classes, 1, side);
            CnnTeachers.initialize(net, root, 1, side);
            net.getParameters().forEach(p -> {
                if (p.getValue().requiresGradient()) {
                    p.getValue().getArray().setRequiresGradient(true);
                }
            });
            BlockParameters params = new BlockParameters(net);
            FlatLayout layout = params.layout(DecayRule.standard());
            float[] flat = new float[layout.size()];
            float[] grads = new float[layout.size()];
            params.readValues(flat);
            AdamW adamw = new AdamW(AdamW.Hyper.DEFAULT.withWeightDecay(s.weightDecay()));
            AdamWState state = AdamWState.zeros(0, layout.size());
            var mask = layout.decayMask(0, layout.size());
            int stepsPerEpoch = Math.min(n / s.batch(), s.maxStepsPerEpoch());
            CosineSchedule sched = new CosineSchedule(s.lr(), 1e-6, s.minLr(), s.epochs(), s.warmupEpochs(), 0,
                    stepsPerEpoch, false);
            System.err.printf(Locale.ROOT, "%s: %d trainable params; %s%n", net.config(), layout.size(), sched.describe());
            ParameterStore ps = new ParameterStore(root, false);
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            float[] batchX = new float[s.batch() * side * side];
            int[] batchY = new int[s.batch()];
            long step = 0;
            for (int epoch = 0; epoch < s.epochs(); epoch++) {
                shuffle(order, rng);
                double lossSum = 0;
                long te = System.nanoTime();
                for (int b = 0; b < stepsPerEpoch; b++) {
                    for (int i = 0; i < s.batch(); i++) {
                        int id = order[b * s.batch() + i];
                        augment(trainX, id, side, batchX, i, rng);
                        batchY[i] = trainY[id];
                    }
                    try (NDManager stepM = root.newSubManager()) {
                        NDArray x = stepM.create(batchX, new Shape(s.batch(), 1, side, side));
                        NDArray y = LabelSmoothingCrossEntropy.smoothedOneHot(
                                stepM.create(batchY), classes, s.smoothing());
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray logits = net.forward(ps, new NDList(x), true).singletonOrThrow();
                            NDArray loss = SoftTargetCrossEntropy.apply(logits, y);
                            gc.backward(loss);
                            lossSum += loss.getFloat(); // host sync, once per step
                        }
                        params.takeGradients(grads);
                        state = adamw.step(flat, 0, grads, 0, 1f, state, mask, sched.lr(step));
                        params.writeValues(flat);
                    }
                    step++;
                }
                long dt = System.nanoTime() - te;
                trainNanos += dt;
                trainImages += (long) stepsPerEpoch * s.batch();
                ClassificationMetrics m = evaluate(net, ps, root, testX, testY, nTest, side, classes);
                System.err.printf(Locale.ROOT, "epoch %d: loss %.4f, lr %.2e, test top1 %.4f top5 %.4f, %.1f img/s, %.0f s%n",
                        epoch, lossSum / stepsPerEpoch, sched.lr(step), m.top1(), m.top5(),
                        stepsPerEpoch * s.batch() / (dt / 1e9), (System.nanoTime() - t0) / 1e9);
                if (epoch == s.epochs() - 1) {
                    writeConfusion(m);
                    return new Result(m.top1(), m.top5(), s.epochs(), step, (System.nanoTime() - t0) / 1e9,
                            trainImages / (trainNanos / 1e9));
                }
            }
        }
        throw new IllegalArgumentException("epochs must be >= 1");
    }

    static final java.util.List<String> CLASS_NAMES = java.util.List.of("T-shirt/top", "Trouser", "Pullover",
            "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** The confusion matrix PNG under {@code -Dt2t.recipe.out} (default target/fashion-mnist-recipe). */
    private static void writeConfusion(ClassificationMetrics m) throws IOException {
        Path dir = Path.of(System.getProperty("t2t.recipe.out", "target/fashion-mnist-recipe"));
        Path png = dir.resolve("confusion.png");
        t2t.model.eval.ConfusionMatrixPlot.write(m.confusionMatrix(), CLASS_NAMES,
                String.format(Locale.ROOT, "Fashion-MNIST test, CNN teacher: top-1 %.4f", m.top1()), png);
        System.err.println("confusion matrix: " + png.toAbsolutePath());
    }

    /** {@code stem:w1,w2,w3:s1,s2,s3} for trying shapes without registering them. */
    static CnnNet customNet(String spec, int classes) {
        String[] p = spec.split(":");
        int[] w = java.util.Arrays.stream(p[1].split(",")).mapToInt(Integer::parseInt).toArray();
        int[] st = java.util.Arrays.stream(p[2].split(",")).mapToInt(Integer::parseInt).toArray();
        int[] d = new int[w.length];
        java.util.Arrays.fill(d, 1);
        CnnNet net = new CnnNet(new t2t.model.teacher.CnnConfig("custom", Integer.parseInt(p[0]), 3, 1, false, w, d, st), classes);
        net.setInitializer(new ai.djl.training.initializer.XavierInitializer(
                ai.djl.training.initializer.XavierInitializer.RandomType.GAUSSIAN,
                ai.djl.training.initializer.XavierInitializer.FactorType.OUT, 2), ai.djl.nn.Parameter.Type.WEIGHT);
        return net;
    }

    static ClassificationMetrics evaluate(CnnNet net, ParameterStore ps, NDManager root,
                                          byte[] xs, int[] ys, int n, int side, int classes) {
        ClassificationMetrics m = new ClassificationMetrics(classes);
        int bs = 500;
        float[] buf = new float[bs * side * side];
        for (int start = 0; start < n; start += bs) {
            int len = Math.min(bs, n - start);
            for (int i = 0; i < len * side * side; i++) {
                buf[i] = ((xs[start * side * side + i] & 0xff) / 255f - MEAN) / STD;
            }
            try (NDManager em = root.newSubManager()) {
                NDArray x = em.create(java.util.Arrays.copyOf(buf, len * side * side), new Shape(len, 1, side, side));
                float[] logits = net.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
                m.update(logits, java.util.Arrays.copyOfRange(ys, start, start + len));
            }
        }
        return m;
    }

    /** Random crop with zero padding 2 (a shift of up to 2 px each way) and a horizontal flip, p = 0.5. */
    static void augment(byte[] xs, int id, int side, float[] out, int slot, Random rng) {
        int dy = rng.nextInt(5) - 2;
        int dx = rng.nextInt(5) - 2;
        boolean flip = rng.nextBoolean();
        float zero = -MEAN / STD;
        int base = id * side * side;
        int o = slot * side * side;
        for (int r = 0; r < side; r++) {
            int sr = r + dy;
            for (int c = 0; c < side; c++) {
                int sc = (flip ? side - 1 - c : c) + dx;
                float v = zero;
                if (sr >= 0 && sr < side && sc >= 0 && sc < side) {
                    v = ((xs[base + sr * side + sc] & 0xff) / 255f - MEAN) / STD;
                }
                out[o + r * side + c] = v;
            }
        }
    }

    private static void shuffle(int[] a, Random rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
