package t2t.actors;

import t2t.actors.cluster.ClusterJobs;
import t2t.actors.cluster.JobLauncher;
import t2t.actors.config.SyncMode;
import t2t.actors.ledger.SamplerPlan;
import t2t.actors.runtime.BatchMaker;
import t2t.actors.runtime.EvalResult;
import t2t.actors.runtime.Evaluator;
import t2t.actors.runtime.JobListener;
import t2t.actors.runtime.ShardOptimizer;
import t2t.actors.runtime.StudentCompute;
import t2t.actors.runtime.TrainBatch;
import t2t.actors.ledger.WorkPlan;
import t2t.loader.sampler.SamplerConfig;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Small real pieces for runtime tests: a separable synthetic dataset, a permutation plan, SGD. */
final class TestJobs {
    static final int FEATURES = 8;
    static final int CLASSES = 3;

    private TestJobs() {}

    /** Sample i: class i % 3, features = class centre + noise, deterministic in i. */
    static final class Data implements BatchMaker {
        final int size;

        Data(int size) {
            this.size = size;
        }

        static void sample(long id, float[] out, int off) {
            SplittableRandom r = new SplittableRandom(id * 7919L + 17);
            int c = (int) (id % CLASSES);
            for (int f = 0; f < FEATURES; f++) {
                out[off + f] = (float) ((f % CLASSES == c ? 1.5 : 0.0) + r.nextGaussian() * 0.5);
            }
        }

        @Override
        public TrainBatch make(long step, long epoch, int rank, long[] ids, int[] copies) {
            float[] px = new float[ids.length * FEATURES];
            float[] t = new float[ids.length * CLASSES];
            int[] labels = new int[ids.length];
            for (int i = 0; i < ids.length; i++) {
                sample(ids[i], px, i * FEATURES);
                labels[i] = (int) (ids[i] % CLASSES);
                t[i * CLASSES + labels[i]] = 1f;
            }
            return new TrainBatch(step, epoch, ids.length, 1, 1, FEATURES, px, CLASSES, t, labels, ids, new long[0],
                    0, 0, null, null);
        }

        @Override
        public EvalBatch evalBatch(int index, int batchSize) {
            int from = index * batchSize;
            if (from >= 300) {
                return null;
            }
            int n = Math.min(batchSize, 300 - from);
            float[] px = new float[n * FEATURES];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                long id = 1_000_000L + from + i;
                sample(id, px, i * FEATURES);
                labels[i] = (int) (id % CLASSES);
            }
            return new EvalBatch(n, 1, 1, FEATURES, px, labels);
        }

        @Override
        public long skipped() {
            return 0;
        }
    }

    static final class Top1 implements Evaluator {
        final BatchMaker data;

        Top1(BatchMaker data) {
            this.data = data;
        }

        @Override
        public EvalResult evaluate(StudentCompute s) {
            long right = 0;
            long n = 0;
            for (int i = 0; ; i++) {
                BatchMaker.EvalBatch b = data.evalBatch(i, 64);
                if (b == null) {
                    break;
                }
                float[] z = s.evalLogits(b.pixels(), b.size(), 1, 1, FEATURES);
                for (int k = 0; k < b.size(); k++) {
                    int best = 0;
                    for (int c = 1; c < CLASSES; c++) {
                        if (z[k * CLASSES + c] > z[k * CLASSES + best]) {
                            best = c;
                        }
                    }
                    right += best == b.labels()[k] ? 1 : 0;
                    n++;
                }
            }
            return new EvalResult((double) right / n, 1.0, n, new double[CLASSES], new long[CLASSES][CLASSES]);
        }
    }

    /** A seeded permutation per epoch; the global batch divided evenly over the ranks; drops the remainder. */
    static final class Plan implements WorkPlan {
        final int size;
        final int globalBatch;
        final int epochs;
        final long seed;
        long step;

        Plan(int size, int globalBatch, int epochs, long seed) {
            this.size = size;
            this.globalBatch = globalBatch;
            this.epochs = epochs;
            this.seed = seed;
        }

        long[] permutation(long epoch) {
            long[] p = new long[size];
            for (int i = 0; i < size; i++) {
                p[i] = i;
            }
            SplittableRandom r = new SplittableRandom(seed * 31 + epoch);
            for (int i = size - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                long t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
            return p;
        }

        @Override
        public Step next(int world) {
            long perEpoch = stepsPerEpoch();
            long epoch = step / perEpoch;
            if (epoch >= epochs) {
                return null;
            }
            long inEpoch = step % perEpoch;
            long[] p = permutation(epoch);
            long[][] slices = new long[world][globalBatch / world];
            for (int r = 0; r < world; r++) {
                System.arraycopy(p, (int) (inEpoch * globalBatch + (long) r * (globalBatch / world)), slices[r], 0,
                        globalBatch / world);
            }
            boolean lastOfEpoch = inEpoch == perEpoch - 1;
            return new Step(step++, epoch, slices, new int[world][globalBatch / world], lastOfEpoch,
                    lastOfEpoch && epoch == epochs - 1, lastOfEpoch);
        }

        @Override
        public boolean finished() {
            return step >= stepsPerEpoch() * epochs;
        }

        @Override
        public void completed(long step, int rank) {}

        @Override
        public void requeue(long step, int rank) {
            throw new UnsupportedOperationException("no worker is lost in these tests");
        }

        @Override
        public long samplesPerEpoch() {
            return stepsPerEpoch() * globalBatch;
        }

        @Override
        public long stepsPerEpoch() {
            return size / globalBatch;
        }

        @Override
        public byte[] saveState(long nextStep) {
            return ByteBuffer.allocate(8).putLong(nextStep).array();
        }

    }

    static final class Sgd implements ShardOptimizer {
        final double lr;

        Sgd(double lr) {
            this.lr = lr;
        }

        @Override
        public void update(long step, float[] params, float[] grad, float scale) {
            for (int i = 0; i < params.length; i++) {
                params[i] -= (float) (lr * grad[i] * scale);
            }
        }

        @Override
        public Map<String, float[]> state() {
            return Map.of();
        }

        @Override
        public void restore(Map<String, float[]> state) {}

        @Override
        public float[] ema() {
            return null;
        }
    }

    /** SGD with heavy-ball momentum: state that is linear in the gradients. */
    static final class MomentumSgd implements ShardOptimizer {
        final double lr;
        final double momentum;
        float[] velocity;

        MomentumSgd(double lr, double momentum) {
            this.lr = lr;
            this.momentum = momentum;
        }

        @Override
        public void update(long step, float[] params, float[] grad, float scale) {
            if (velocity == null) {
                velocity = new float[params.length];
            }
            for (int i = 0; i < params.length; i++) {
                velocity[i] = (float) (momentum * velocity[i] + grad[i] * scale);
                params[i] -= (float) (lr * velocity[i]);
            }
        }

        @Override
        public Map<String, float[]> state() {
            return velocity == null ? Map.of() : Map.of("velocity", velocity.clone());
        }

        @Override
        public void restore(Map<String, float[]> state) {
            velocity = state.containsKey("velocity") ? state.get("velocity").clone() : null;
        }

        @Override
        public float[] ema() {
            return null;
        }
    }

    /** Collects what a job reports. */
    static final class Recorder implements JobListener {
        final List<StepMetrics> steps = new ArrayList<>();
        final List<CheckpointData> checkpoints = new ArrayList<>();
        final List<EvalResult> evals = new ArrayList<>();

        @Override
        public synchronized void onStep(StepMetrics m) {
            steps.add(m);
        }

        @Override
        public synchronized void onEval(long step, long epoch, EvalResult result, double seconds) {
            evals.add(result);
        }

        @Override
        public synchronized String onCheckpoint(CheckpointData data) {
            checkpoints.add(data);
            return "memory";
        }

    }


    /** {@code plain}'s batches, each {@code millis} late: slow enough that cluster changes land mid-run. */
    static BatchMaker slowed(BatchMaker plain, long millis) {
        return new BatchMaker() {
            @Override
            public TrainBatch make(long step, long epoch, int rank, long[] ids, int[] copies) {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return plain.make(step, epoch, rank, ids, copies);
            }

            @Override
            public EvalBatch evalBatch(int index, int batchSize) {
                return plain.evalBatch(index, batchSize);
            }

            @Override
            public long skipped() {
                return 0;
            }
        };
    }

    /** The final weights in a summary that {@link #clusterSummary} wrote. */
    static float[] params(com.fasterxml.jackson.databind.JsonNode summary) {
        float[] p = new float[summary.get("params").size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) summary.get("params").get(i).asDouble();
        }
        return p;
    }

    /** A cluster job's summary as the tests' job runs return it: counters, sample accounting, the final weights. */
    static String clusterSummary(JobListener.JobResult r) throws com.fasterxml.jackson.core.JsonProcessingException {
        Map<String, Object> s = new java.util.LinkedHashMap<>(r.counters());
        s.put("samples_trained_per_epoch", r.samplesTrainedPerEpoch());
        s.put("duplicate_samples", r.duplicateSamples());
        s.put("params", t2t.actors.engine.JobAssembly.flatten(r.shards()));
        return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
    }

    /**
     * A cluster test's job: the softmax student on {@code samples} of {@link Data}, global batch 16,
     * one loader, one aggregator shard per {@code shards}, every shard's optimizer from {@code optimizer}
     * and a constant learning rate {@code lr} (what the coordinator reports).
     */
    record SoftmaxJob(String name, int samples, int shards, double lr, Supplier<ShardOptimizer> optimizer) {
        /** The job on {@code workers} workers, each batch {@code batchMillis} late (see {@link #slowed}). */
        LocalJob.Spec spec(int workers, int epochs, long batchMillis) {
            BatchMaker data = slowed(new Data(samples), batchMillis);
            SoftmaxStudent probe = new SoftmaxStudent(FEATURES, CLASSES);
            SamplerPlan plan = new SamplerPlan(new SamplerConfig(samples, 16, 7, true, 1, false), epochs);
            return new LocalJob.Spec(name, workers, 1, SyncMode.parse("sync"), 1, 2, probe.readParams(),
                    r -> optimizer.get(), shards, norm -> 1f, false, rank -> new SoftmaxStudent(FEATURES, CLASSES), null,
                    data, new Top1(data), plan, new Coordinator.Settings(workers, 0, 0, 1, s -> lr, 0, null), null);
        }
    }

    /**
     * A node's {@link ClusterJobs} for in-JVM cluster tests: {@code job} on every node, its batches
     * {@code batchMillis} late on the worker nodes (negative: the node has no data, so its worker
     * side fails), the summary as {@link #clusterSummary}; {@link #reachedStep5} completes at step 5,
     * the moment a test changes the cluster under a running job.
     */
    static class ClusterJob implements ClusterJobs {
        final CompletableFuture<Void> reachedStep5 = new CompletableFuture<>();
        final SoftmaxJob job;
        final long batchMillis;

        ClusterJob(SoftmaxJob job, long batchMillis) {
            this.job = job;
            this.batchMillis = batchMillis;
        }

        @Override
        public WorkerSide workerSide(Map<String, String> config, int workers) {
            if (batchMillis < 0) {
                throw new IllegalArgumentException("--data /nowhere: no such folder on this node");
            }
            return new WorkerSide(job.spec(workers, 1, batchMillis), () -> { });
        }

        @Override
        public String run(Map<String, String> config, JobLauncher launcher) {
            JobListener onStep = new JobListener() {
                @Override
                public void onStep(StepMetrics m) {
                    if (m.step() >= 5) {
                        reachedStep5.complete(null);
                    }
                }
            };
            try {
                // The coordinator makes no batches (the nodes' worker sides do), so its copy is not slowed.
                JobListener.JobResult r = launcher.launch(job.spec(Integer.parseInt(config.get("workers")),
                        Integer.parseInt(config.get("epochs")), 0), onStep).get(90, TimeUnit.SECONDS);
                return clusterSummary(r);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
