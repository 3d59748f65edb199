package t2t.actors.engine;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import t2t.actors.AggregatorActor;
import t2t.actors.Coordinator;
import t2t.actors.LocalJob;
import t2t.actors.checkpoint.CheckpointStore;
import t2t.actors.config.JobConfig;
import t2t.actors.config.SyncMode;
import t2t.actors.ledger.SamplerPlan;
import t2t.actors.runtime.JobListener;
import t2t.actors.runtime.ShardRange;
import t2t.actors.runtime.StudentCompute;
import t2t.actors.runtime.TeacherCompute;
import t2t.loader.data.Dataset;
import t2t.loader.data.Datasets;
import t2t.loader.data.Split;
import t2t.loader.mix.MixMode;
import t2t.loader.mix.Mixup;
import t2t.loader.mix.MixupConfig;
import t2t.loader.transform.AugmentConfig;
import t2t.loader.transform.EraseMode;
import t2t.loader.transform.Interpolation;
import t2t.loader.transform.SampleTransform;
import t2t.loader.transform.Transforms;
import t2t.model.ModelArgs;
import t2t.model.ModelRegistry;
import t2t.model.StagedForward;
import t2t.model.T2tVit;
import t2t.model.VisionModel;
import t2t.model.io.Safetensors;
import t2t.model.io.Tensor;
import t2t.model.io.Weights;
import t2t.model.loss.DistillationType;
import t2t.model.loss.Objective;
import t2t.model.optim.AdamW;
import t2t.model.optim.CosineSchedule;
import t2t.model.teacher.CnnVisionModel;
import t2t.protocol.UserInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Turns a run configuration into a job: datasets and transforms, the student replicas, the flat
 * parameter layout and its shards, AdamW with the schedule, the teacher, the sampler; and turns
 * shard states back into weights and checkpoints.
 */
public final class JobAssembly implements AutoCloseable {
    public static final String WEIGHTS = "weights.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String PLAN = "plan.bin";
    public static final String COORDINATOR = "coordinator.bin";
    public static final String MODEL = "model.json";

    private final JobConfig cfg;
    private final Map<String, String> modelArgs;
    private final Dataset train;
    private final Dataset eval;
    private final NDManager templateManager;
    private final VisionModel template;
    private final FlatSlots slots;
    private final float[] initialParams;
    private final CosineSchedule schedule;
    private final double peakLr;
    private final LoaderBatches batches;
    private final int gridH;
    private final int gridW;

    private JobAssembly(JobConfig cfg) {
        this.cfg = cfg;
        int channels = inputChannels(cfg);
        long seed = cfg.get(JobConfig.SEED);
        this.train = Datasets.open(cfg.get(JobConfig.DATA), Split.TRAIN, channels, seed);
        this.eval = Datasets.open(cfg.get(JobConfig.DATA), Split.VAL, channels, seed);
        this.modelArgs = modelArgs(cfg, train, channels);
        this.templateManager = NDManager.newBaseManager();
        this.template = newModel();
        template.initializeWeights(templateManager, DataType.FLOAT32, seed);
        this.slots = FlatSlots.of(template);
        this.initialParams = new float[slots.size()];
        slots.read(initialParams);
        int grid = template instanceof T2tVit t ? t.gridSize() : 0;
        this.gridH = cfg.get(JobConfig.TOKEN_LABEL) ? grid : 0;
        this.gridW = gridH;
        int globalBatch = cfg.get(JobConfig.BATCH_SIZE);
        this.peakLr = "deit".equals(cfg.get(JobConfig.LR_SCALE)) ? cfg.get(JobConfig.LR) * globalBatch / 512.0
                : cfg.get(JobConfig.LR);
        long samples = LoaderBatches.samplerConfig(train, globalBatch, seed, cfg.get(JobConfig.REPEATED_AUG))
                .datasetSize();
        long stepsPerEpoch = (samples + globalBatch - 1) / globalBatch;
        if (samples < globalBatch) {
            throw new UserInputException("--batch-size " + globalBatch + " is larger than the " + train.size()
                    + " training samples: lower it");
        }
        this.schedule = new CosineSchedule(peakLr, cfg.get(JobConfig.WARMUP_LR), Math.min(cfg.get(JobConfig.MIN_LR), peakLr),
                cfg.get(JobConfig.EPOCHS), cfg.get(JobConfig.WARMUP_EPOCHS), cfg.get(JobConfig.COOLDOWN_EPOCHS),
                stepsPerEpoch, false);
        this.batches = makeBatches();
    }

    public static JobAssembly prepare(JobConfig cfg) {
        return new JobAssembly(cfg);
    }

    /** Gray datasets feed 1-channel students unless {@code in_chans} says otherwise. */
    public static int inputChannels(JobConfig cfg) {
        Map<String, String> args = ModelArgs.parse(cfg.get(JobConfig.MODEL_ARGS));
        if (args.containsKey("in_chans")) {
            try {
                return Integer.parseInt(args.get("in_chans").trim());
            } catch (NumberFormatException e) {
                throw new UserInputException("--model-args in_chans=" + args.get("in_chans") + ": expected 1 or 3");
            }
        }
        String data = cfg.get(JobConfig.DATA);
        return data.equals("fashion-mnist") || Files.isRegularFile(Path.of(data).resolve("train-images-idx3-ubyte.gz"))
                ? 1 : 3;
    }

    private static Map<String, String> modelArgs(JobConfig cfg, Dataset train, int channels) {
        Map<String, String> args = new LinkedHashMap<>(ModelArgs.parse(cfg.get(JobConfig.MODEL_ARGS)));
        if (cfg.get(JobConfig.IMG_SIZE) > 0) {
            args.putIfAbsent("img_size", Integer.toString(cfg.get(JobConfig.IMG_SIZE)));
        }
        args.putIfAbsent("in_chans", Integer.toString(channels));
        String classes = args.putIfAbsent("num_classes", Integer.toString(train.numClasses()));
        if (classes != null && !classes.trim().equals(Integer.toString(train.numClasses()))) {
            // The loss's targets have the data's classes: a mismatch would only show as a shape error in step 1.
            throw new UserInputException("--model-args num_classes=" + classes.trim() + " but --data "
                    + cfg.get(JobConfig.DATA) + " has " + train.numClasses() + " classes: drop num_classes (the data"
                    + " sets it) or use data with " + classes.trim() + " classes");
        }
        if (!"none".equals(cfg.get(JobConfig.DISTILLATION_TYPE))) {
            args.putIfAbsent("distillation", "true");
        }
        if (cfg.get(JobConfig.TOKEN_LABEL)) {
            args.putIfAbsent("token_label", "true");
        }
        if (cfg.get(JobConfig.DROP_PATH) > 0) {
            args.putIfAbsent("drop_path_rate", Double.toString(cfg.get(JobConfig.DROP_PATH)));
        }
        return args;
    }

    /** A fresh replica (no arrays yet). */
    public VisionModel newModel() {
        return ModelRegistry.create(cfg.get(JobConfig.MODEL), modelArgs);
    }

    public Map<String, String> modelArgs() {
        return modelArgs;
    }

    /** Optimizer steps the run takes from its start: every epoch's, or --steps when that is fewer. */
    public long plannedSteps() {
        long all = schedule.stepsPerEpoch() * cfg.get(JobConfig.EPOCHS);
        long max = cfg.get(JobConfig.STEPS);
        return max > 0 ? Math.min(max, all) : all;
    }

    private LoaderBatches makeBatches() {
        t2t.loader.transform.DataConfig data = loaderDataConfig(template.dataConfig());
        Interpolation interp = data.interpolation();
        AugmentConfig aug = new AugmentConfig(cfg.get(JobConfig.SCALE_MIN), 1.0, 3.0 / 4.0, 4.0 / 3.0,
                cfg.get(JobConfig.HFLIP), cfg.get(JobConfig.AA), cfg.get(JobConfig.COLOR_JITTER), interp,
                cfg.get(JobConfig.REPROB), EraseMode.PIXEL, 1).withPadCrop(cfg.get(JobConfig.PAD_CROP));
        double mixupAlpha = cfg.get(JobConfig.MIXUP);
        double cutmixAlpha = cfg.get(JobConfig.CUTMIX);
        Mixup mixup = mixupAlpha > 0 || cutmixAlpha > 0
                ? new Mixup(new MixupConfig(mixupAlpha, cutmixAlpha, null, cfg.get(JobConfig.MIXUP_PROB),
                        cfg.get(JobConfig.MIXUP_SWITCH_PROB), MixMode.parse(cfg.get(JobConfig.MIXUP_MODE)), true,
                        cfg.get(JobConfig.SMOOTHING), train.numClasses()))
                : null;
        return new LoaderBatches(train, eval, Transforms.train(data, aug),
                evalTransform(template.dataConfig(), aug.padCrop() >= 0), mixup,
                cfg.get(JobConfig.SMOOTHING), cfg.get(JobConfig.SEED), gridH, gridW);
    }

    /** The model's data config as the loader's transforms take it. */
    public static t2t.loader.transform.DataConfig loaderDataConfig(t2t.model.DataConfig md) {
        return new t2t.loader.transform.DataConfig(md.inChans(), md.imgSize(), md.imgSize(), toArray(md.mean()),
                toArray(md.std()), md.cropPct(), Interpolation.parse(md.interpolation()));
    }

    /**
     * The transform a run evaluates (and predict runs) with, at the scale the model trained at: a
     * pad-crop run ({@code padded}) saw images unresized on a canvas, so its eval centres them the
     * same way (no shift); RandomResizedCrop runs use timm's resize + centre crop at crop_pct.
     */
    public static SampleTransform evalTransform(t2t.model.DataConfig md, boolean padded) {
        t2t.loader.transform.DataConfig data = loaderDataConfig(md);
        return padded
                ? Transforms.train(data, new AugmentConfig(1, 1, 1, 1, 0, null, 0, data.interpolation(), 0,
                        EraseMode.PIXEL, 1).withPadCrop(0))
                : Transforms.eval(data);
    }

    private static float[] toArray(List<Float> l) {
        float[] a = new float[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }

    public int threadsPerWorker() {
        int t = cfg.get(JobConfig.THREADS_PER_WORKER);
        return t > 0 ? t : Math.max(1, Runtime.getRuntime().availableProcessors() / cfg.get(JobConfig.WORKERS));
    }

    public double lr(long step) {
        return schedule.lr(step);
    }

    public String describeSchedule() {
        return schedule.describe() + ("deit".equals(cfg.get(JobConfig.LR_SCALE))
                ? String.format(Locale.ROOT, " (DeiT scaling: %.3g x %d / 512 = %.3g)", cfg.get(JobConfig.LR),
                cfg.get(JobConfig.BATCH_SIZE), peakLr) : "");
    }

    /** The batches of this run (for benchmarks that time the step alone). */
    public LoaderBatches batches() {
        return batches;
    }

    public VisionModel template() {
        return template;
    }

    public Dataset trainData() {
        return train;
    }

    public Dataset evalData() {
        return eval;
    }

    /** A new replica of the student with the run's objective, initialized from the seed. */
    public StudentCompute newStudent() {
        NDManager m = NDManager.newBaseManager();
        VisionModel model = newModel();
        model.initializeWeights(m, DataType.FLOAT32, cfg.get(JobConfig.SEED));
        DjlStudent.TrainForward fwd;
        if (model instanceof T2tVit t) {
            fwd = t::forwardTrain;
        } else if (model instanceof CnnVisionModel c) {
            fwd = c::forwardTrain;
        } else {
            throw new IllegalStateException("no training forward for " + model.getClass().getName());
        }
        Objective.Builder ob = Objective.builder();
        DistillationType type = DistillationType.valueOf(cfg.get(JobConfig.DISTILLATION_TYPE).toUpperCase(Locale.ROOT));
        if (type != DistillationType.NONE) {
            ob.optDistillation(type, cfg.get(JobConfig.DISTILLATION_ALPHA), cfg.get(JobConfig.DISTILLATION_TAU));
        }
        if (cfg.get(JobConfig.TOKEN_LABEL)) {
            ob.optTokenLabel(cfg.get(JobConfig.CLS_WEIGHT), cfg.get(JobConfig.DENSE_WEIGHT));
        }
        StagedForward staged = model instanceof StagedForward st && cfg.get(JobConfig.STAGED_BACKWARD) ? st : null;
        return new DjlStudent(m, model, fwd, staged, ob.build(), threadsPerWorker());
    }

    /** The job, with the teacher from {@code teacher} (null: none) and an optional checkpoint to resume. */
    public LocalJob.Spec spec(String name, Supplier<TeacherCompute> teacher, CheckpointStore.Loaded resume) {
        int workers = cfg.get(JobConfig.WORKERS);
        int shards = Math.min(cfg.get(JobConfig.AGGREGATORS), slots.size());
        List<ShardRange> ranges = ShardRange.split(slots.size(), shards);
        int epochs = cfg.get(JobConfig.EPOCHS);
        SamplerPlan plan;
        long startStep = 0;
        byte[] coordState = null;
        List<AggregatorActor.ShardState> restored = null;
        float[] params = initialParams;
        if (resume != null) {
            plan = SamplerPlan.restore(resume.file(PLAN), epochs);
            coordState = resume.file(COORDINATOR);
            startStep = resume.manifest().getStep() + 1;
            params = loadFlat(resume.file(WEIGHTS), resume.path().resolve(WEIGHTS).toString());
            restored = restoreShards(resume.file(OPTIMIZER), params, ranges, startStep);
        } else {
            plan = new SamplerPlan(LoaderBatches.samplerConfig(train, cfg.get(JobConfig.BATCH_SIZE),
                    cfg.get(JobConfig.SEED), cfg.get(JobConfig.REPEATED_AUG)), epochs);
        }
        AdamW.Hyper hyper = AdamW.Hyper.DEFAULT.withWeightDecay(cfg.get(JobConfig.WEIGHT_DECAY));
        SyncMode sync = SyncMode.parse(cfg.get(JobConfig.SYNC));
        if (sync.kind() == SyncMode.Kind.LOCAL && cfg.get(JobConfig.MODEL_EMA)) {
            // Each local replica would need its own EMA between rounds; not kept in this mode.
            throw new UserInputException("--model-ema is not supported with --sync " + sync
                    + ": use --sync sync or stale:S, or drop --model-ema");
        }
        Double ema = cfg.get(JobConfig.MODEL_EMA) ? cfg.get(JobConfig.MODEL_EMA_DECAY) : null;
        double clip = cfg.get(JobConfig.CLIP_GRAD);
        Coordinator.Settings settings = new Coordinator.Settings(workers, cfg.get(JobConfig.STEPS),
                cfg.get(JobConfig.CHECKPOINT_EVERY), cfg.get(JobConfig.LOG_EVERY), this::lr, startStep, coordState)
                .withStepDeadline(Duration.ofNanos((long) (cfg.get(JobConfig.STEP_DEADLINE) * 1e9)));
        return new LocalJob.Spec(name, workers, cfg.get(JobConfig.LOADERS), sync,
                cfg.get(JobConfig.SEED), 2, params,
                r -> new AdamWShard(r, slots, hyper, this::lr, ema), shards,
                norm -> clip <= 0 ? 1f : (float) Math.min(1.0, clip / (norm + 1e-6)), clip > 0,
                rank -> newStudent(), teacher, batches, new DjlEvaluator(batches, train.numClasses(), 256), plan,
                settings, restored);
    }

    /**
     * True when {@code checkpoint} is this run's end: its step reaches {@code --steps}, or its plan
     * has no step left of {@code --epochs}. Resuming it would start a job with nothing to do.
     */
    public boolean completedBy(CheckpointStore.Loaded checkpoint) {
        long nextStep = checkpoint.manifest().getStep() + 1;
        long maxSteps = cfg.get(JobConfig.STEPS);
        return (maxSteps > 0 && nextStep >= maxSteps)
                || SamplerPlan.restore(checkpoint.file(PLAN), cfg.get(JobConfig.EPOCHS)).exhausted();
    }

    /** Flat parameters from a weights file in the state-dict naming. */
    private float[] loadFlat(byte[] safetensors, String name) {
        Weights.load(template, Safetensors.read(safetensors, name), templateManager, DataType.FLOAT32, true);
        float[] flat = new float[slots.size()];
        slots.read(flat);
        return flat;
    }

    private static List<AggregatorActor.ShardState> restoreShards(byte[] optimizer, float[] params,
                                                                   List<ShardRange> ranges, long stepsApplied) {
        Map<String, Tensor> t = Safetensors.read(optimizer, OPTIMIZER);
        List<AggregatorActor.ShardState> out = new ArrayList<>();
        for (ShardRange r : ranges) {
            Map<String, float[]> opt = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : t.entrySet()) {
                float[] v = e.getValue().values();
                opt.put(e.getKey(), e.getKey().equals("step") ? v.clone()
                        : java.util.Arrays.copyOfRange(v, r.offset(), r.end()));
            }
            float[] p = java.util.Arrays.copyOfRange(params, r.offset(), r.end());
            out.add(new AggregatorActor.ShardState(r.shard(), stepsApplied, p, opt, opt.get("ema")));
        }
        return out;
    }

    /** Flat parameters from the shards, in order. */
    public static float[] flatten(List<AggregatorActor.ShardState> shards) {
        int n = 0;
        for (AggregatorActor.ShardState s : shards) {
            n += s.params().length;
        }
        float[] out = new float[n];
        int off = 0;
        for (AggregatorActor.ShardState s : shards) {
            System.arraycopy(s.params(), 0, out, off, s.params().length);
            off += s.params().length;
        }
        return out;
    }

    /** The model's state dict with the shards' parameters (or their EMA), in export order. */
    public synchronized LinkedHashMap<String, Tensor> stateDict(List<AggregatorActor.ShardState> shards, boolean ema) {
        float[] flat = flatten(shards);
        if (ema) {
            int off = 0;
            for (AggregatorActor.ShardState s : shards) {
                if (s.ema() != null) {
                    System.arraycopy(s.ema(), 0, flat, off, s.ema().length);
                }
                off += s.params().length;
            }
        }
        slots.write(0, flat);
        return Weights.export(template);
    }

    /** SHA-256 over every tensor's float32 little-endian bytes in export order: equal weights, equal digest. */
    public static String sha256(Map<String, Tensor> stateDict) {
        MessageDigest d = CheckpointStore.digest();
        for (Tensor t : stateDict.values()) {
            ByteBuffer b = ByteBuffer.allocate(t.values().length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(t.values());
            d.update(b.array());
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** Everything a checkpoint folder holds. */
    public CheckpointStore.Content checkpoint(JobListener.CheckpointData data, String configJson) {
        LinkedHashMap<String, Tensor> weights = stateDict(data.shards(), false);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(WEIGHTS, toBytes(weights));
        files.put(OPTIMIZER, toBytes(optimizerTensors(data.shards())));
        files.put(MODEL, CheckpointModels.describe(cfg.get(JobConfig.MODEL), modelArgs, train.classNames()));
        files.put(PLAN, data.planState());
        files.put(COORDINATOR, data.coordinatorState());
        if (cfg.get(JobConfig.MODEL_EMA)) {
            files.put("ema.safetensors", toBytes(stateDict(data.shards(), true)));
        }
        return new CheckpointStore.Content(data.step(), data.epoch(), configJson, sha256(weights), files);
    }

    private static Map<String, Tensor> optimizerTensors(List<AggregatorActor.ShardState> shards) {
        Map<String, List<float[]>> parts = new LinkedHashMap<>();
        float[] step = null;
        for (AggregatorActor.ShardState s : shards) {
            for (Map.Entry<String, float[]> e : s.optimizer().entrySet()) {
                if (e.getKey().equals("step")) {
                    step = e.getValue();
                } else {
                    parts.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
                }
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<float[]>> e : parts.entrySet()) {
            int n = e.getValue().stream().mapToInt(a -> a.length).sum();
            float[] all = new float[n];
            int off = 0;
            for (float[] a : e.getValue()) {
                System.arraycopy(a, 0, all, off, a.length);
                off += a.length;
            }
            out.put(e.getKey(), new Tensor("F32", new long[] {n}, all));
        }
        if (step != null) {
            out.put("step", new Tensor("F32", new long[] {step.length}, step));
        }
        return out;
    }

    static byte[] toBytes(Map<String, Tensor> tensors) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("t2t-ckpt", ".safetensors");
            Safetensors.write(tmp, tensors, "F32", Map.of());
            return Files.readAllBytes(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }

    @Override
    public void close() {
        templateManager.close();
        train.close();
        eval.close();
    }
}
