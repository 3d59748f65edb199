package t2t.loader;

import t2t.loader.data.Dataset;
import t2t.loader.data.Sample;
import t2t.loader.sampler.SampleRng;
import t2t.loader.sampler.Slice;
import t2t.loader.transform.SampleTransform;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Turns a slice of sample ids into a {@link Batch}: read + decode (the dataset), per-sample
 * transform into the batch array, then batch mixing. Sample {@code i} draws its augmentation from
 * {@code SampleRng.forSample(seed, epoch, id, copy)} and the mixer from {@code SampleRng.forStep(seed,
 * epoch, step, slice)}, so a batch is the same whichever thread or loader built it and however many
 * threads were used. Bad samples are skipped and reported in {@link Batch#skippedIds()}.
 *
 * <p>Threads: with an executor, {@code threads} tasks on it pull samples one by one (the caller's
 * thread waits, so give an executor that is not the caller's own single thread).
 * Without one, everything runs on the caller's thread.
 */
public final class BatchAssembler {
    private final Dataset dataset;
    private final SampleTransform transform;
    private final BatchMixer mixer;
    private final long seed;
    private final Executor executor;
    private final int threads;

    public BatchAssembler(Dataset dataset, SampleTransform transform, BatchMixer mixer, long seed,
                          Executor executor, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (executor == null && threads != 1) {
            throw new IllegalArgumentException("threads > 1 needs an executor");
        }
        this.dataset = dataset;
        this.transform = transform;
        this.mixer = mixer;
        this.seed = seed;
        this.executor = executor;
        this.threads = threads;
    }

    /** Single-threaded, on the caller's thread. */
    public BatchAssembler(Dataset dataset, SampleTransform transform, BatchMixer mixer, long seed) {
        this(dataset, transform, mixer, seed, null, 1);
    }

    public Batch assemble(Slice slice) {
        return assemble(slice.epoch(), slice.step(), slice.worker(), slice.sampleIds(), slice.copies());
    }

    public Batch assemble(int epoch, long step, int sliceIndex, long[] sampleIds, int[] copies) {
        return build(epoch, step, sliceIndex, sampleIds, copies, i -> dataset.get(sampleIds[i]));
    }

    /**
     * Batches samples already read in storage order (a {@code WebDataset} stream); reading and
     * decoding happened in the stream, the transforms run here. Copies are 0.
     */
    public Batch assembleRead(int epoch, long step, int sliceIndex, List<Sample> samples) {
        long[] ids = samples.stream().mapToLong(Sample::id).toArray();
        return build(epoch, step, sliceIndex, ids, new int[ids.length], samples::get);
    }

    private Batch build(int epoch, long step, int sliceIndex, long[] sampleIds, int[] copies, IntFunction<Sample> read) {
        int n = sampleIds.length;
        int c = transform.outChannels();
        int h = transform.outHeight();
        int w = transform.outWidth();
        int per = c * h * w;
        float[] pixels = new float[n * per];
        int[] labels = new int[n];
        boolean[] ok = new boolean[n];
        int tasks = Math.min(threads, Math.max(1, n));
        AtomicInteger next = new AtomicInteger();
        Runnable drain = () -> {
            for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                load(epoch, read.apply(i), sampleIds[i], copies[i], i, pixels, per, labels, ok);
            }
        };
        if (executor == null || tasks == 1) {
            drain.run();
        } else {
            // Samples are pulled one at a time, so a slow JPEG does not hold up a whole chunk.
            List<CompletableFuture<Void>> futures = new ArrayList<>(tasks);
            for (int t = 0; t < tasks; t++) {
                futures.add(CompletableFuture.runAsync(drain, executor));
            }
            try {
                CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        int good = 0;
        for (boolean b : ok) {
            good += b ? 1 : 0;
        }
        long[] skipped = new long[n - good];
        long[] keptIds = new long[good];
        int[] keptCopies = new int[good];
        int[] keptLabels = new int[good];
        float[] kept = good == n ? pixels : new float[good * per];
        for (int i = 0, k = 0, s = 0; i < n; i++) {
            if (!ok[i]) {
                skipped[s++] = sampleIds[i];
                continue;
            }
            if (kept != pixels) {
                System.arraycopy(pixels, i * per, kept, k * per, per);
            }
            keptIds[k] = sampleIds[i];
            keptCopies[k] = copies[i];
            keptLabels[k] = labels[i];
            k++;
        }
        BatchMixer.Mixed mixed = good == 0
                ? new BatchMixer.Mixed(new float[0], MixParams.NONE)
                : mixer.mix(kept, good, c, h, w, keptLabels, dataset.numClasses(), SampleRng.forStep(seed, epoch, step, sliceIndex));
        return new Batch(epoch, step, sliceIndex, c, h, w, dataset.numClasses(), kept, keptLabels, mixed.targets(),
                keptIds, keptCopies, skipped, mixed.params());
    }

    private void load(int epoch, Sample sample, long id, int copy, int row, float[] pixels, int per,
                      int[] labels, boolean[] ok) {
        if (sample instanceof Sample.Decoded d) {
            transform.apply(d.image(), SampleRng.forSample(seed, epoch, id, copy), pixels, row * per);
            labels[row] = d.label();
            ok[row] = true;
        }
    }
}
