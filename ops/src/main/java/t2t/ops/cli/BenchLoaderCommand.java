package t2t.ops.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import t2t.loader.data.ImageFolder;
import t2t.loader.data.Split;
import t2t.loader.data.SyntheticJpegs;
import t2t.loader.decode.BadImageException;
import t2t.loader.decode.ImageDecoder;
import t2t.protocol.UserInputException;

import t2t.loader.sampler.SampleRng;
import t2t.loader.transform.AugmentConfig;
import t2t.loader.transform.DataConfig;
import t2t.loader.transform.StagedTransform;
import t2t.loader.transform.Transforms;

import java.nio.file.Path;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Loader throughput, as augment.md measures it: files preloaded into memory (so disk and page
 * cache are out of it), one warm-up pass, then the median of timed passes; all threads together.
 */
@Command(name = "bench-loader", mixinStandardHelpOptions = true,
        description = "Decode, and decode + DeiT train transform, throughput of the loader in images/s.")
public final class BenchLoaderCommand implements Callable<Integer> {
    /** augment.md: PIL open + convert('RGB'), one DataLoader worker per core, 2,000 JPEGs. */
    static final double PYTHON_DECODE_IMG_PER_S_PER_CORE = 1171;

    @Option(names = "--data", description = "ImageFolder of JPEGs to read (its train/ split if present); default: synthetic 500x375 q90 JPEGs made in memory")
    Path data;

    @Option(names = "--threads", description = "decoding threads (default: available processors)")
    Integer threads;

    @Option(names = "--images", defaultValue = "2000", description = "images to preload (default: ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--passes", defaultValue = "3", description = "timed passes after one warm-up; the median is reported (default: ${DEFAULT-VALUE})")
    int passes;

    @Option(names = "--json", description = "print one JSON object as the last stdout line")
    boolean json;

    @Override
    public Integer call() throws Exception {
        int k = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (k < 1 || images < 1 || passes < 1) {
            throw new UserInputException("--threads, --images and --passes must be positive");
        }
        List<byte[]> files = new ArrayList<>();
        String set;
        if (data != null) {
            ImageFolder folder = ImageFolder.open(data, Split.TRAIN, 3);
            for (long id = 0; id < folder.size() && files.size() < images; id++) {
                byte[] bytes = folder.readBytes(id);
                if (bytes != null) {
                    files.add(bytes);
                }
            }
            set = folder.dir().toString();
        } else {
            System.err.println("bench-loader: making " + images + " synthetic 500x375 q90 JPEGs (no --data given) ...");
            files = SyntheticJpegs.make(images, 1);
            set = "synthetic smooth-noise JPEGs q90";
        }
        long totalBytes = files.stream().mapToLong(b -> b.length).sum();
        System.err.printf("bench-loader: %d images, mean %.1f KiB, %d threads, %s%n",
                files.size(), totalBytes / 1024.0 / files.size(), k, set);

        ImageDecoder decoder = new ImageDecoder();
        // DeiT's train transform: RRC 224 bicubic, flip, rand-m9-mstd0.5-inc1, normalize, RandomErasing 0.25.
        StagedTransform deit = Transforms.train(DataConfig.imagenet(224), AugmentConfig.deit());
        ThreadLocal<float[]> out224 = ThreadLocal.withInitial(() -> new float[3 * 224 * 224]);
        AtomicInteger sampleId = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(k);
        double decodeRate;
        double trainRate;
        try {
            decodeRate = medianRate(files, pool, k, bytes -> decoder.decodeRgb(bytes));
            trainRate = medianRate(files, pool, k, bytes -> {
                deit.apply(decoder.decodeRgb(bytes), SampleRng.forSample(0, 0, sampleId.getAndIncrement()), out224.get(), 0);
                return null;
            });
        } finally {
            pool.shutdownNow();
        }

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("threads", k);
        out.put("decode_img_per_s", round(decodeRate));
        out.put("train_transform_img_per_s", round(trainRate));
        out.put("train_transform_img_per_s_per_thread", round(trainRate / k));
        out.put("timm_train_img_per_s_per_core", TIMM_TRAIN_IMG_PER_S_PER_CORE);
        out.put("train_ratio_per_core", round(trainRate / k / TIMM_TRAIN_IMG_PER_S_PER_CORE));
        out.put("decode_img_per_s_per_thread", round(decodeRate / k));
        out.put("python_decode_img_per_s_per_core", PYTHON_DECODE_IMG_PER_S_PER_CORE);
        out.put("images", files.size());
        out.put("mean_kib", round(totalBytes / 1024.0 / files.size()));
        out.put("set", set);
        System.out.printf("decode: %.0f img/s with %d threads (%.0f per thread; Python PIL reference %.0f per core, ratio %.2f)%n",
                decodeRate, k, decodeRate / k, PYTHON_DECODE_IMG_PER_S_PER_CORE, decodeRate / k / PYTHON_DECODE_IMG_PER_S_PER_CORE);
        System.out.printf("decode + DeiT train transform: %.0f img/s with %d threads (%.0f per thread; timm + torchvision "
                        + "reference %.0f per core, ratio %.2f)%n", trainRate, k, trainRate / k, TIMM_TRAIN_IMG_PER_S_PER_CORE,
                trainRate / k / TIMM_TRAIN_IMG_PER_S_PER_CORE);
        if (json) {
            Json.print(out);
        }
        return 0;
    }

    /** augment.md: timm's DeiT train pipeline (decode included), one DataLoader worker per core. */
    static final double TIMM_TRAIN_IMG_PER_S_PER_CORE = 275;

    interface Work {
        Object run(byte[] bytes) throws BadImageException;
    }

    /** Median over {@code passes} of images/s for one pass over all files, after a warm-up pass. */
    private double medianRate(List<byte[]> files, ExecutorService pool, int k, Work work) throws Exception {
        double[] rates = new double[passes];
        for (int pass = -1; pass < passes; pass++) {
            AtomicInteger next = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            long start = System.nanoTime();
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < k; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < files.size(); i = next.getAndIncrement()) {
                        try {
                            work.run(files.get(i));
                        } catch (BadImageException e) {
                            failed.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (failed.get() > 0 && pass < 0) {
                System.err.println("bench-loader: " + failed.get() + " files did not decode (counted in the time)");
            }
            if (pass >= 0) {
                rates[pass] = files.size() / seconds;
                System.err.printf("bench-loader: pass %d: %.0f img/s%n", pass + 1, rates[pass]);
            }
        }
        Arrays.sort(rates);
        return rates[passes / 2];
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
