package t2t.model.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import t2t.model.optim.AdamW;
import t2t.model.optim.AdamWState;
import t2t.model.optim.DecayMask;
import t2t.model.optim.FlatLayout;
import t2t.model.optim.GradClip;
import t2t.model.teacher.BlockTeacher;
import t2t.model.teacher.CnnNet;
import t2t.model.teacher.CnnTeachers;
import t2t.model.teacher.TokenGrid;

/**
 * Figures for BENCHMARKS.md, "Objective and teacher": AdamW slice update rate (elements/s, and the
 * time of a full t2t_vit_14-sized step on one thread) and CNN-teacher target throughput.
 * Run under {@code flock /tmp/t2t-bench.lock}; prints medians of several repetitions.
 */
public final class ObjectiveBench {

    private ObjectiveBench() {}

    public static void main(String[] args) {
        adamw(21_545_550 - 75_648 - 4_096); // t2t_vit_14 trainable-sized vector (approximately)
        teacher("resnet_tiny", 1, 28, 128, new TokenGrid(7, 7), 7);
        teacher("resnet18", 3, 224, 32, new TokenGrid(14, 14), 5);
    }

    static void adamw(int n) {
        float[] p = new float[n];
        float[] g = new float[n];
        Random r = new Random(1);
        for (int i = 0; i < n; i++) {
            p[i] = (float) r.nextGaussian();
            g[i] = (float) r.nextGaussian() * 1e-3f;
        }
        FlatLayout layout = FlatLayout.of(List.of(new FlatLayout.Entry("w", new long[] {n}, true)), (a, b) -> true);
        DecayMask mask = layout.decayMask(0, n);
        AdamW opt = new AdamW(AdamW.Hyper.DEFAULT);
        AdamWState st = AdamWState.zeros(0, n);
        double[] ms = new double[9];
        for (int k = 0; k < ms.length; k++) {
            long t0 = System.nanoTime();
            GradClip.Result c = GradClip.scale(new double[] {GradClip.sumOfSquares(g, 0, n)}, 5.0);
            st = opt.step(p, 0, g, 0, c.scale(), st, mask, 1e-3);
            ms[k] = (System.nanoTime() - t0) / 1e6;
        }
        double med = median(Arrays.copyOfRange(ms, 2, ms.length));
        System.out.printf(Locale.ROOT, "adamw+clip: %d elements, median %.1f ms/step on one thread = %.0f M elements/s%n",
                n, med, n / med / 1e3);
    }

    static void teacher(String name, int chans, int size, int batch, TokenGrid grid, int reps) {
        Engine.getInstance().setRandomSeed(1);
        try (NDManager m = NDManager.newBaseManager()) {
            CnnNet net = CnnTeachers.create(name, name.equals("resnet_tiny") ? 10 : 1000, chans, size);
            CnnTeachers.initialize(net, m, chans, size);
            long params = net.getParameters().stream().mapToLong(p -> p.getValue().getArray().size()).sum();
            BlockTeacher t = new BlockTeacher(name, net, null);
            double[] ips = new double[reps];
            for (int k = 0; k < reps; k++) {
                try (NDManager step = m.newSubManager()) {
                    NDArray x = step.randomNormal(new Shape(batch, chans, size, size));
                    long t0 = System.nanoTime();
                    t.targets(x, grid).tokenTargets().toFloatArray(); // includes the host copy
                    ips[k] = batch / ((System.nanoTime() - t0) / 1e9);
                }
            }
            System.out.printf(Locale.ROOT, "teacher %s (%d params) %dx%dx%d batch %d -> grid %dx%d: median %.0f img/s%n",
                    name, params, chans, size, size, batch, grid.height(), grid.width(),
                    median(Arrays.copyOfRange(ips, 1, reps)));
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
