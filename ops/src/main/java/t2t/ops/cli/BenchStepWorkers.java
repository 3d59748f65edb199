package t2t.ops.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import t2t.model.ModelOutputs;
import t2t.model.T2tVit;
import t2t.model.layers.ParamSpec;
import t2t.model.layers.HostArrays;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The forward and backward of one global batch for {@code bench step}, split between worker
 * threads as {@code train} splits it between the workers of a node: each thread runs its slice
 * with its own native thread count, and libtorch sums every slice's gradient into the shared
 * weights' gradients (its gradient accumulation is thread-safe). Each slice's loss is divided by
 * the global batch, so the summed gradient is the whole batch's.
 *
 * <p>DJL's {@code GradientCollector} is a process-wide singleton; like the actors' workers, each
 * thread switches libtorch's thread-local grad mode itself.
 */
final class BenchStepWorkers implements AutoCloseable {
    private final T2tVit model;
    private final int threads;
    private final ExecutorService pool;
    private final List<ParameterStore> stores = new ArrayList<>();

    BenchStepWorkers(T2tVit model, NDManager base, int workers, int threads) {
        this.model = model;
        this.threads = threads;
        this.pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "bench-step-worker");
            t.setDaemon(true);
            return t;
        });
        for (int w = 0; w < workers; w++) {
            stores.add(new ParameterStore(base, false));
        }
    }

    /**
     * Forward + backward of the batch {@code x} [B, C, H, W] with one-hot {@code target} [B, K],
     * rows dealt to the workers in contiguous slices; gradients land on the weights.
     */
    void forwardBackward(NDArray x, NDArray target) {
        int workers = stores.size();
        long batch = x.getShape().get(0);
        List<Future<?>> running = new ArrayList<>();
        long from = 0;
        for (int w = 0; w < workers; w++) {
            long n = batch / workers + (w < batch % workers ? 1 : 0);
            ParameterStore ps = stores.get(w);
            String rows = from + ":" + (from + n);
            running.add(pool.submit(() -> slice(ps, x.get(rows), target.get(rows), batch)));
            from += n;
        }
        await(running);
    }

    /**
     * AdamW on every trainable weight, the weights dealt round-robin to the worker threads (each
     * update touches only its own weight and state, and DJL keeps the state in concurrent maps),
     * then the gradients cleared for the next step (backward accumulates).
     */
    void update(List<ParamSpec> trainable, Optimizer opt) {
        int workers = stores.size();
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int first = w;
            running.add(pool.submit(() -> {
                JniUtils.setNumThreads(threads);
                for (int i = first; i < trainable.size(); i += workers) {
                    ParamSpec s = trainable.get(i);
                    NDArray weight = s.parameter().getArray();
                    try (NDArray g = weight.getGradient()) {
                        opt.update(s.parameter().getId(), weight, g);
                        g.subi(g);
                    }
                }
            }));
        }
        await(running);
    }

    private static void await(List<Future<?>> running) {
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("bench step worker failed: " + e.getCause(), e.getCause());
            }
        }
    }

    private void slice(ParameterStore ps, NDArray x, NDArray target, long batch) {
        JniUtils.setNumThreads(threads);
        boolean previous = JniUtils.isGradMode();
        try (NDManager step = ps.getManager().newSubManager()) {
            x.attach(step);
            target.attach(step);
            JniUtils.setGradMode(true);
            ModelOutputs o = model.forwardTrain(ps, x);
            // the constant stays alive in this scope until backward is done (HostArrays, not div(Number))
            NDArray loss = o.cls().logSoftmax(1).mul(target).sum().neg().mul(HostArrays.scalar(x, 1.0 / batch));
            try (NDArray seed = loss.onesLike()) {
                JniUtils.backward((PtNDArray) loss, (PtNDArray) seed, false, false);
            }
        } finally {
            JniUtils.setGradMode(previous);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
