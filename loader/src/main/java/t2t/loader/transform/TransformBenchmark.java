package t2t.loader.transform;

import t2t.loader.image.Image8;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Times the train transform on decoded images, one thread (decode excluded), and each op alone
 * at its DeiT setting, for {@code bench loader} and BENCHMARKS.md. Run standalone with
 * {@code java -cp loader/target/classes:protocol/target/classes t2t.loader.transform.TransformBenchmark}.
 */
public final class TransformBenchmark {
    private TransformBenchmark() {}

    /** Images per second of {@code transform} over {@code images}, {@code passes} passes after one warm-up; the median pass. */
    public static double imagesPerSecond(SampleTransform transform, List<Image8> images, int passes, long seed) {
        float[] out = new float[transform.outChannels() * transform.outHeight() * transform.outWidth()];
        double[] rates = new double[passes];
        for (int p = -1; p < passes; p++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < images.size(); i++) {
                transform.apply(images.get(i), new SplittableRandom(seed * 1_000_003L + i + 31L * p), out, 0);
            }
            double s = (System.nanoTime() - t0) / 1e9;
            if (p >= 0) {
                rates[p] = images.size() / s;
            }
        }
        java.util.Arrays.sort(rates);
        return rates[passes / 2];
    }

    /** {@code count} synthetic ~500x375 photos (the benchmark set's typical size). */
    public static List<Image8> syntheticPhotos(int count) {
        List<Image8> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(i % 3 == 2 ? TestPattern.photo(375, 500, 3, i) : TestPattern.photo(500, i % 3 == 0 ? 375 : 333, 3, i));
        }
        return list;
    }

    /** Milliseconds per image for each stage/op at DeiT's settings (each op forced on for its row). */
    public static Map<String, Double> perOpMillis(List<Image8> images, int passes) {
        Map<String, Double> ms = new LinkedHashMap<>();
        DataConfig data = DataConfig.imagenet(224);
        PillowResample resample = new PillowResample();
        RandomResizedCrop rrc = new RandomResizedCrop(224, 224, 0.08, 1.0, 0.75, 4.0 / 3.0, Interpolation.BICUBIC);
        Frame f = new Frame();
        List<Frame> cropped = new ArrayList<>();
        ms.put("RRC 224 bicubic", time(images.size(), passes, i -> {
            rrc.apply(images.get(i).pixels(), images.get(i).width(), images.get(i).height(), 3, f,
                    new SplittableRandom(i), null, resample);
        }));
        for (int i = 0; i < images.size(); i++) {
            Frame c = new Frame();
            c.load(images.get(i));
            rrc.apply(c, new SplittableRandom(i), null, resample);
            cropped.add(c);
        }
        Frame g = new Frame();
        ms.put("hflip", time(cropped.size(), passes, i -> {
            copy(cropped.get(i), g);
            HorizontalFlip.flip(g);
        }) - copyCost(cropped, g, passes));
        RandAugment ra = RandAugment.parse("rand-m9-mstd0.5-inc1", data.fill(), Interpolation.BICUBIC);
        ms.put("RandAugment rand-m9-mstd0.5-inc1", time(cropped.size(), passes, i -> {
            copy(cropped.get(i), g);
            ra.apply(g, new SplittableRandom(i));
        }) - copyCost(cropped, g, passes));
        for (RandAugmentOp op : RandAugment.INCREASING_TRANSFORMS) {
            ms.put("  RA op " + op.timmName + " (always applied, m=9)", time(cropped.size(), passes, i -> {
                copy(cropped.get(i), g);
                op.apply(g, op.argument(9.0, new SplittableRandom(i)), Interpolation.BICUBIC, data.fill());
            }) - copyCost(cropped, g, passes));
        }
        Normalize norm = new Normalize(data.mean(), data.std());
        float[] out = new float[3 * 224 * 224];
        ms.put("ToTensor + Normalize", time(cropped.size(), passes, i -> norm.apply(cropped.get(i), out, 0)));
        RandomErasing re = RandomErasing.of(0.25, EraseMode.PIXEL, 1);
        ms.put("RandomErasing 0.25 pixel", time(cropped.size(), passes, i -> re.apply(out, 0, 3, 224, 224, new SplittableRandom(i))));
        StagedTransform deit = Transforms.train(data, AugmentConfig.deit());
        ms.put("DeiT train transform (all of the above)", 1000.0 / imagesPerSecond(deit, images, passes, 1));
        return ms;
    }

    private static void copy(Frame from, Frame to) {
        to.reshape(from.width, from.height, from.channels);
        System.arraycopy(from.pixels, 0, to.pixels, 0, from.size());
    }

    private static double copyCost(List<Frame> frames, Frame g, int passes) {
        return time(frames.size(), passes, i -> copy(frames.get(i), g));
    }

    private static double time(int n, int passes, java.util.function.IntConsumer body) {
        double[] ms = new double[passes];
        for (int p = -1; p < passes; p++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
            if (p >= 0) {
                ms[p] = (System.nanoTime() - t0) / 1e6 / n;
            }
        }
        java.util.Arrays.sort(ms);
        return ms[passes / 2];
    }

    public static void main(String[] args) {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int passes = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<Image8> images = syntheticPhotos(count);
        perOpMillis(images, passes).forEach((k, v) -> System.out.printf("%-50s %8.3f ms/img%n", k, v));
        double rate = imagesPerSecond(Transforms.train(DataConfig.imagenet(224), AugmentConfig.deit()), images, passes, 2);
        System.out.printf("DeiT train transform, 1 thread: %.0f img/s%n", rate);
    }
}
