package t2t.actors.engine;

import t2t.actors.runtime.BatchMaker;
import t2t.actors.runtime.TrainBatch;
import t2t.loader.Batch;
import t2t.loader.BatchAssembler;
import t2t.loader.BatchMixer;
import t2t.loader.MixParams;
import t2t.loader.data.Dataset;
import t2t.loader.mix.CutBox;
import t2t.loader.mix.MixResult;
import t2t.loader.mix.Mixup;
import t2t.loader.sampler.SamplerConfig;
import t2t.loader.transform.SampleTransform;

/**
 * Batches from the loader module: the train split through the train transform and the mixer, the
 * eval split through the eval transform. Thread-safe: every call builds its batch from its own
 * arguments and the (seed, epoch, id) random streams.
 */
public final class LoaderBatches implements BatchMaker {
    private final Dataset train;
    private final Dataset eval;
    private final BatchAssembler trainAssembler;
    private final BatchAssembler evalAssembler;
    private final int gridH;
    private final int gridW;

    /**
     * @param mixup  batch mixing, or null for none (smoothed one-hot targets)
     * @param gridH  the student's token grid when token labeling is on (CutMix boxes snap to it), else 0
     */
    public LoaderBatches(Dataset train, Dataset eval, SampleTransform trainTransform, SampleTransform evalTransform,
                         Mixup mixup, double smoothing, long seed, int gridH, int gridW) {
        this.train = train;
        this.eval = eval;
        this.gridH = gridH;
        this.gridW = gridW;
        BatchMixer mixer = mixup == null ? BatchMixer.none(smoothing) : bridge(mixup, smoothing, gridH, gridW);
        this.trainAssembler = new BatchAssembler(train, trainTransform, mixer, seed);
        this.evalAssembler = new BatchAssembler(eval, evalTransform, BatchMixer.none(0), seed);
    }

    /**
     * timm's Mixup over the even part of the batch (it pairs sample i with B-1-i); a sample left
     * over after bad inputs were skipped keeps its own smoothed label.
     */
    static BatchMixer bridge(Mixup mixup, double smoothing, int gridH, int gridW) {
        return (pixels, b, c, h, w, labels, numClasses, rng) -> {
            int even = b - (b % 2);
            if (even == 0) {
                return new BatchMixer.Mixed(BatchMixer.smoothedOneHot(labels, b, numClasses, smoothing), MixParams.NONE);
            }
            MixResult r = mixup.mix(pixels, even, c, h, w, labels, gridH, gridW, rng);
            float[] targets = r.targets();
            if (even < b) {
                float[] all = new float[b * numClasses];
                System.arraycopy(targets, 0, all, 0, targets.length);
                float[] last = BatchMixer.smoothedOneHot(new int[] {labels[b - 1]}, 1, numClasses, smoothing);
                System.arraycopy(last, 0, all, even * numClasses, numClasses);
                targets = all;
            }
            return new BatchMixer.Mixed(targets, params(r));
        };
    }

    private static MixParams params(MixResult r) {
        CutBox box = r.boxes() == null || r.boxes().length == 0 ? null : r.boxes()[0];
        double lam = r.lambdas().length == 0 ? 1.0 : r.lambdas()[0];
        if (lam >= 1.0) {
            return MixParams.NONE;
        }
        if (box != null) {
            return new MixParams(MixParams.Kind.CUTMIX, lam, box.yl(), box.yh(), box.xl(), box.xh());
        }
        return new MixParams(MixParams.Kind.MIXUP, lam, 0, 0, 0, 0);
    }

    @Override
    public TrainBatch make(long step, long epoch, int rank, long[] ids, int[] copies) {
        Batch b = trainAssembler.assemble((int) epoch, step, rank, ids, copies);
        return new TrainBatch(step, epoch, b.size(), b.channels(), b.height(), b.width(), b.pixels(), b.numClasses(),
                b.targets(), b.labels(), b.sampleIds(), b.skippedIds(), gridH, gridW, null, null);
    }

    @Override
    public EvalBatch evalBatch(int index, int batchSize) {
        long from = (long) index * batchSize;
        if (from >= eval.size()) {
            return null;
        }
        int n = (int) Math.min(batchSize, eval.size() - from);
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = from + i;
        }
        Batch b = evalAssembler.assemble(0, index, 0, ids, new int[n]);
        return new EvalBatch(b.size(), b.channels(), b.height(), b.width(), b.pixels(), b.labels());
    }

    @Override
    public long skipped() {
        return train.skips().count() + eval.skips().count();
    }

    /**
     * Every sample of an epoch is trained once (no drop_last: the epoch's last step is smaller,
     * and the aggregators weight each worker's gradient by its samples).
     */
    static SamplerConfig samplerConfig(Dataset train, int globalBatch, long seed, boolean repeated) {
        return new SamplerConfig(train.size(), globalBatch, seed, true, repeated ? 3 : 1, false);
    }
}
