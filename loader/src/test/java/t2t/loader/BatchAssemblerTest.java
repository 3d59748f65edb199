package t2t.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import t2t.loader.data.Dataset;
import t2t.loader.data.ImageFolder;
import t2t.loader.data.Split;
import t2t.loader.data.SyntheticDataset;
import t2t.loader.image.Image8;
import t2t.loader.transform.SampleTransform;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class BatchAssemblerTest {

    /** A test transform: nearest resize to 8x8, a random flip and a random brightness offset, /255. */
    static final class ProbeTransform implements SampleTransform {
        private final int channels;

        ProbeTransform(int channels) {
            this.channels = channels;
        }

        @Override
        public void apply(Image8 image, SplittableRandom rng, float[] out, int offset) {
            boolean flip = rng.nextBoolean();
            float shift = (float) rng.nextDouble();
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < 8; y++) {
                    for (int x = 0; x < 8; x++) {
                        int sx = (flip ? 7 - x : x) * image.width() / 8;
                        int sy = y * image.height() / 8;
                        out[offset + (c * 8 + y) * 8 + x] = image.get(sx, sy, c) / 255f + shift;
                    }
                }
            }
        }

        @Override
        public int outChannels() {
            return channels;
        }

        @Override
        public int outHeight() {
            return 8;
        }

        @Override
        public int outWidth() {
            return 8;
        }
    }

    private final Dataset dataset = new SyntheticDataset(100, 10, 20, 16, 3, 4);

    @Test
    void batchIsIndependentOfThreadsAndOfOrderWithinTheSlice() throws Exception {
        long[] ids = {5, 17, 42, 3, 99, 0, 64};
        int[] copies = {0, 0, 1, 0, 2, 0, 0};
        Batch single = new BatchAssembler(dataset, new ProbeTransform(3), BatchMixer.none(0.1), 7)
                .assemble(2, 11, 0, ids, copies);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Batch threaded = new BatchAssembler(dataset, new ProbeTransform(3), BatchMixer.none(0.1), 7, pool, 3)
                    .assemble(2, 11, 0, ids, copies);
            assertArrayEquals(single.pixels(), threaded.pixels());
            assertArrayEquals(single.targets(), threaded.targets());
            long[] reversed = {64, 0, 99, 3, 42, 17, 5};
            int[] reversedCopies = {0, 0, 2, 0, 1, 0, 0};
            Batch backwards = new BatchAssembler(dataset, new ProbeTransform(3), BatchMixer.none(0.1), 7, pool, 2)
                    .assemble(2, 11, 0, reversed, reversedCopies);
            int per = 3 * 8 * 8;
            for (int i = 0; i < ids.length; i++) {
                int j = ids.length - 1 - i;
                assertArrayEquals(Arrays.copyOfRange(single.pixels(), i * per, (i + 1) * per),
                        Arrays.copyOfRange(backwards.pixels(), j * per, (j + 1) * per), "sample " + ids[i]);
            }
        } finally {
            pool.shutdown();
        }
        Batch otherEpoch = new BatchAssembler(dataset, new ProbeTransform(3), BatchMixer.none(0.1), 7)
                .assemble(3, 11, 0, ids, copies);
        assertNotEquals(Arrays.hashCode(single.pixels()), Arrays.hashCode(otherEpoch.pixels()), "epoch changes augmentation");
    }

    @Test
    void streamedSamplesBatchLikeIdsDo() {
        long[] ids = {8, 3, 71};
        BatchAssembler assembler = new BatchAssembler(dataset, new ProbeTransform(3), BatchMixer.none(0.1), 7);
        Batch byId = assembler.assemble(1, 2, 0, ids, new int[3]);
        java.util.List<t2t.loader.data.Sample> read = Arrays.stream(ids).mapToObj(dataset::get).toList();
        Batch streamed = assembler.assembleRead(1, 2, 0, read);
        assertArrayEquals(byId.pixels(), streamed.pixels());
        assertArrayEquals(byId.sampleIds(), streamed.sampleIds());
    }

    @Test
    void targetsAreSmoothedOneHotWithoutAMixer() {
        Batch b = new BatchAssembler(dataset, new ProbeTransform(3), BatchMixer.none(0.1), 1)
                .assemble(0, 0, 0, new long[] {13, 4}, new int[2]);
        assertArrayEquals(new int[] {3, 4}, b.labels());
        assertEquals(0.9f + 0.01f, b.targets()[3], 1e-6);
        assertEquals(0.01f, b.targets()[0], 1e-6);
        assertEquals(0.91f, b.targets()[10 + 4], 1e-6);
        assertEquals(1.0, sum(b.targets(), 0, 10), 1e-5);
    }

    @Test
    void mixerGetsTheStepKeyedRandomSourceAndMixesInPlace() {
        AtomicLong drawn = new AtomicLong();
        BatchMixer recording = (pixels, n, c, h, w, labels, k, rng) -> {
            drawn.set(rng.nextLong());
            Arrays.fill(pixels, 0, c * h * w, 0f);
            return new BatchMixer.Mixed(BatchMixer.smoothedOneHot(labels, n, k, 0), new MixParams(MixParams.Kind.MIXUP, 0.3, 0, 0, 0, 0));
        };
        Batch b = new BatchAssembler(dataset, new ProbeTransform(3), recording, 9).assemble(1, 5, 2, new long[] {1, 2}, new int[2]);
        assertEquals(t2t.loader.sampler.SampleRng.forStep(9, 1, 5, 2).nextLong(), drawn.get());
        assertEquals(0f, b.pixels()[0]);
        assertEquals(MixParams.Kind.MIXUP, b.mix().kind());
    }

    @Test
    void skippedSamplesShrinkTheBatchAndAreReported(@TempDir Path root) throws IOException {
        Path cls = Files.createDirectories(root.resolve("only"));
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 4; i++) {
            img.setRGB(i, i, 0xFFFFFF);
            ImageIO.write(img, "png", cls.resolve("good" + i + ".png").toFile());
        }
        Files.write(cls.resolve("zz_bad.png"), new byte[] {1, 2, 3});
        ImageFolder folder = ImageFolder.open(root, Split.TRAIN, 3);
        Batch b = new BatchAssembler(folder, new ProbeTransform(3), BatchMixer.none(0), 1)
                .assemble(0, 0, 0, new long[] {0, 4, 2, 1}, new int[4]);
        assertEquals(3, b.size());
        assertArrayEquals(new long[] {0, 2, 1}, b.sampleIds());
        assertArrayEquals(new long[] {4}, b.skippedIds());
        assertEquals(3 * 3 * 8 * 8, b.pixels().length);
        assertEquals(3, b.targets().length);
        assertEquals(1, folder.skips().count());
    }

    private static double sum(float[] a, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += a[i];
        }
        return s;
    }
}
