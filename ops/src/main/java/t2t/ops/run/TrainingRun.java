package t2t.ops.run;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import t2t.actors.LocalJob;
import t2t.actors.cluster.JobLauncher;
import t2t.actors.checkpoint.CheckpointStore;
import t2t.actors.checkpoint.DiskFailure;
import t2t.actors.config.JobConfig;
import t2t.actors.config.SyncMode;
import t2t.actors.engine.CheckpointModels;
import t2t.actors.engine.DjlTeacher;
import t2t.actors.engine.JobAssembly;
import t2t.actors.runtime.EvalResult;
import t2t.actors.runtime.JobListener;
import t2t.actors.runtime.TeacherCompute;
import t2t.model.VisionModel;
import t2t.model.eval.ConfusionMatrixPlot;
import t2t.model.io.Tensor;
import t2t.model.teacher.BlockTeacher;
import t2t.model.teacher.CnnTeachers;
import t2t.model.teacher.CnnVisionModel;
import t2t.model.teacher.Teacher;
import t2t.model.teacher.TorchScriptTeacher;
import t2t.protocol.NearestName;
import t2t.protocol.RunFailedException;
import t2t.protocol.UserInputException;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * One training run from a resolved configuration: the run folder, the teacher (trained first and
 * cached when it is a registered CNN that has not been trained on this data yet), the job, its
 * metrics, checkpoints, plots and summary.
 */
public final class TrainingRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JobConfig cfg;
    private final PrintStream err;
    private final JobLauncher launcher;
    private final Progress.Phase phase;
    private final boolean trainsTeacher;

    public TrainingRun(JobConfig cfg, PrintStream err) {
        this(cfg, err, LocalJob::run);
    }

    /** A run whose actors {@code launcher} starts (a cluster's, for {@code train --cluster}). */
    public TrainingRun(JobConfig cfg, PrintStream err, JobLauncher launcher) {
        this(cfg, err, launcher, Progress.Phase.ONLY, true);
    }

    private TrainingRun(JobConfig cfg, PrintStream err, JobLauncher launcher, Progress.Phase phase, boolean trainsTeacher) {
        this.cfg = cfg;
        this.err = err;
        this.launcher = launcher;
        this.phase = phase;
        this.trainsTeacher = trainsTeacher;
    }

    /**
     * A cluster node's part of a run: it reads a registered CNN teacher from its cache but never
     * trains one. Several nodes sharing a cache folder would each train it, into the same folder, while
     * the job waits without a word; {@code train --cluster} trains it on the submitting machine first.
     */
    public static TrainingRun onClusterNode(JobConfig cfg, PrintStream err, JobLauncher launcher) {
        return new TrainingRun(cfg, err, launcher, Progress.Phase.ONLY, false);
    }

    /**
     * For {@code train --cluster} with a registered CNN teacher: the whole job is checked here (the
     * data must be on this machine, at the path the nodes read it), the teacher is found in this
     * machine's cache or trained into it first, and its folder is returned for the nodes to read.
     */
    public static Path teacherForCluster(JobConfig cfg, PrintStream err) {
        try (JobAssembly job = JobAssembly.prepare(cfg)) {
            return new TrainingRun(cfg, err).cachedTeacher(cfg.get(JobConfig.TEACHER), job).toAbsolutePath();
        }
    }

    /**
     * Runs to the end and returns the summary (also written to summary.json). The whole job (model,
     * data, model args against the data, teacher) is checked before anything trains, the teacher
     * included: a mistake costs a second, not a teacher's training.
     */
    public Map<String, Object> run() {
        Path out = Path.of(cfg.get(JobConfig.OUT));
        String resume = cfg.get(JobConfig.RESUME);
        String name = cfg.get(JobConfig.NAME);
        if (resume.equals("auto") && name.isBlank()) {
            name = newestRunWithCheckpoints(out);
            err.println(name.isEmpty() ? "t2t: --resume auto: no run with checkpoints under " + out + ", starting a new run"
                    : "t2t: --resume auto: continuing " + out.resolve(name) + ", the newest run with checkpoints under "
                    + out + " (--name picks another)");
        }
        try (JobAssembly job = JobAssembly.prepare(cfg)) {
            Supplier<TeacherCompute> teacher = resolveTeacher(job);
            try (RunFolder folder = RunFolder.open(out, name, cfg.get(JobConfig.MODEL))) {
                return run(job, teacher, folder, resume);
            }
        }
    }

    private Map<String, Object> run(JobAssembly job, Supplier<TeacherCompute> teacher, RunFolder folder, String resume) {
        try {
            CheckpointStore store = new CheckpointStore(folder.checkpoints(), cfg.get(JobConfig.KEEP_CHECKPOINTS));
            CheckpointStore.Loaded from = null;
            if (resume.equals("auto")) {
                from = store.loadLatestValid().orElse(null);
                err.println(from == null ? "t2t: --resume auto: no checkpoint in " + folder.checkpoints() + ", starting fresh"
                        : "t2t: resuming from " + from.path());
            } else if (!resume.isBlank()) {
                from = CheckpointModels.open(Path.of(resume));
                err.println("t2t: resuming from " + from.path());
            }
            if (from != null && job.completedBy(from)) {
                return alreadyComplete(folder, from);
            }
            int stale = store.removeUnfinished();
            if (stale > 0) {
                err.println("t2t: removed " + stale + " unfinished checkpoint folder(s) left in " + store.dir()
                        + " by a run that stopped while writing");
            }
            Map<String, Object> config = cfg.asMap();
            folder.writeConfig(config);
            String configJson = JSON.writeValueAsString(config);
            VisionModel t = job.template();
            err.printf(Locale.ROOT, "t2t: %s (%s), %,d parameters (%,d trainable); data %s: %,d train / %,d eval, %d classes%n",
                    phase.role().isEmpty() ? cfg.get(JobConfig.MODEL) : phase.role(), job.modelArgs(), t.parameterCount(),
                    t.trainableParameterCount(), cfg.get(JobConfig.DATA), job.trainData().size(), job.evalData().size(),
                    job.trainData().numClasses());
            err.printf(Locale.ROOT, "t2t: %d workers, %d loaders, %s, global batch %d, lr %s; run folder %s%n",
                    cfg.get(JobConfig.WORKERS), cfg.get(JobConfig.LOADERS),
                    SyncMode.parse(cfg.get(JobConfig.SYNC)).describe(), cfg.get(JobConfig.BATCH_SIZE),
                    job.describeSchedule(), folder.root());
            Listener listener = new Listener(folder, store, job, configJson);
            JobListener.JobResult result;
            try {
                result = launcher.launch(job.spec(folder.root().getFileName().toString(), teacher, from), listener).get();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                throw c instanceof RuntimeException r ? r : new IllegalStateException(c);
            }
            return listener.summarize(result);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The run already ended at {@code last}: nothing to train, and nothing is written over. The
     * summary is the one the run wrote; a run killed between its last checkpoint and its summary
     * gets one from the checkpoint's manifest (no eval figures: {@code ./t2t eval} gives them).
     */
    private Map<String, Object> alreadyComplete(RunFolder folder, CheckpointStore.Loaded last) throws IOException {
        err.println("t2t: run " + folder.root() + " is already complete (its checkpoint " + last.path().getFileName()
                + " is the last step of the run); nothing to do. To train longer, raise --epochs or --steps; to start "
                + "over, give a new --name");
        Path written = folder.root().resolve("summary.json");
        if (Files.isRegularFile(written)) {
            try {
                return JSON.readValue(written.toFile(), new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() { });
            } catch (IOException e) {
                err.println("t2t: " + written + " is unreadable (" + e.getMessage() + "); reporting the checkpoint instead");
            }
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("top1", null);
        s.put("top5", null);
        s.put("epochs", last.manifest().getEpoch() + 1);
        s.put("steps", last.manifest().getStep() + 1);
        s.put("wall_s", 0.0);
        s.put("train_img_per_s", 0.0);
        s.put("weights_sha256", last.manifest().getWeightsSha256());
        s.put("model", cfg.get(JobConfig.MODEL));
        s.put("run_dir", folder.root().toString());
        return s;
    }

    /**
     * The run under {@code out} whose checkpoints changed last. A run counts when it holds any
     * checkpoint folder, with or without its {@code latest} pointer (which a crash can leave out).
     */
    private static String newestRunWithCheckpoints(Path out) {
        if (!Files.isDirectory(out)) {
            return "";
        }
        try (var dirs = Files.list(out)) {
            return dirs.filter(d -> !new CheckpointStore(d.resolve("checkpoints"), 1).list().isEmpty())
                    .max((a, b) -> Long.compare(a.resolve("checkpoints").toFile().lastModified(),
                            b.resolve("checkpoints").toFile().lastModified()))
                    .map(d -> d.getFileName().toString()).orElse("");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the runs under " + out, e);
        }
    }

    /**
     * The teacher named by --teacher, checked against the job and ready to be built inside the
     * teacher actor; a registered CNN not cached yet is trained here first.
     */
    Supplier<TeacherCompute> resolveTeacher(JobAssembly job) {
        String spec = cfg.get(JobConfig.TEACHER);
        boolean dense = cfg.get(JobConfig.TOKEN_LABEL);
        if (spec.equals("none")) {
            return null;
        }
        int imgSize = cfg.get(JobConfig.IMG_SIZE);
        if (CnnTeachers.contains(spec)) {
            Path ckpt = cachedTeacher(spec, job);
            return () -> checkpointTeacher(ckpt, dense);
        }
        Path p = Path.of(spec);
        if (spec.endsWith(".pt") || spec.endsWith(".pth") || Files.isRegularFile(p)) {
            if (!Files.isRegularFile(p)) {
                throw new UserInputException("--teacher " + spec + " does not exist" + onThisNode()
                        + ": give an existing TorchScript file");
            }
            int chans = JobAssembly.inputChannels(cfg);
            return () -> new DjlTeacher(NDManager.newBaseManager(), TorchScriptTeacher.load(p, chans, imgSize), dense);
        }
        if (Files.isDirectory(p)) {
            checkTeacherCheckpoint(p, CheckpointModels.open(p), job, dense);
            return () -> checkpointTeacher(p, dense);
        }
        if (spec.contains("/")) {
            throw new UserInputException("--teacher " + spec + " does not exist" + onThisNode()
                    + ": give a checkpoint or run folder (or a TorchScript .pt file) that is there");
        }
        throw new UserInputException("--teacher " + spec + ": not none, a registered CNN (" + String.join(", ",
                CnnTeachers.names()) + "), a checkpoint or run folder, or a TorchScript .pt file"
                + NearestName.hint(spec, CnnTeachers.names()));
    }

    private String onThisNode() {
        return trainsTeacher ? "" : " on this cluster node (every node reads the teacher at the same path:"
                + " copy it there or put it on a shared folder)";
    }

    /** A checkpoint teacher must classify the job's classes, and give per-location logits for token labeling. */
    private static void checkTeacherCheckpoint(Path path, CheckpointStore.Loaded c, JobAssembly job, boolean dense) {
        Map<String, String> described = CheckpointModels.described(c);
        String model = described.get("model");
        if (dense && !CnnTeachers.contains(model)) {
            throw new UserInputException("teacher " + path + " (" + model + ") has no per-location output for "
                    + "token labeling: use a CNN teacher, or --token-label false");
        }
        String classes = described.get("num_classes");
        int dataClasses = job.trainData().numClasses();
        if (classes != null && !classes.equals(Integer.toString(dataClasses))) {
            throw new UserInputException("teacher " + path + " (" + model + ") predicts " + classes + " classes but the"
                    + " data has " + dataClasses + ": use a teacher trained on this data");
        }
    }

    private static TeacherCompute checkpointTeacher(Path path, boolean dense) {
        NDManager m = NDManager.newBaseManager();
        CheckpointModels.Loaded l = CheckpointModels.load(CheckpointModels.open(path), m, true);
        Teacher t;
        if (l.model() instanceof CnnVisionModel c) {
            t = new BlockTeacher(l.name(), c.net(), m);
        } else {
            if (dense) {
                m.close();
                throw new UserInputException("teacher " + path + " (" + l.name() + ") has no per-location output for "
                        + "token labeling: use a CNN teacher, or --token-label false");
            }
            t = new BlockTeacher(l.name(), l.model(), l.model().numClasses(), m);
        }
        return new DjlTeacher(NDManager.newBaseManager(), t, dense);
    }

    /**
     * A registered CNN trained on this data, from the cache; trained first (a run of its own,
     * with the same data and augmentation, no teacher) when absent. Processes that share the cache
     * (the nodes of a cluster, say) train it once: one holds the entry's lock and trains into
     * {@code <entry>.partial} (resumed if a holder was killed), then renames it into place; the
     * others wait for the lock and find it there.
     */
    private Path cachedTeacher(String name, JobAssembly student) {
        JobConfig teacherCfg = cfg.with(Map.ofEntries(
                Map.entry("model", name), Map.entry("model-args", ""), Map.entry("teacher", "none"),
                Map.entry("token-label", "false"), Map.entry("distillation-type", "none"),
                Map.entry("epochs", Integer.toString(cfg.get(JobConfig.TEACHER_EPOCHS))),
                Map.entry("steps", "0"), Map.entry("resume", "auto"), Map.entry("drop-path", "0"),
                Map.entry("model-ema", "false"), Map.entry("checkpoint-every", "0"), Map.entry("keep-checkpoints", "1"),
                Map.entry("lr", "2e-3"), Map.entry("min-lr", "1e-5"), Map.entry("weight-decay", "0.05"),
                Map.entry("warmup-epochs", "0.5"), Map.entry("mixup", "0"), Map.entry("cutmix", "0"),
                Map.entry("smoothing", "0.1")));
        String key = teacherCacheKey(teacherCfg, JobAssembly.inputChannels(cfg));
        String hash = CheckpointStore.sha256(key.getBytes(StandardCharsets.UTF_8)).substring(0, 12);
        Path cache = cacheRoot().resolve("teachers");
        String runName = name + "-" + hash;
        Path dir = cache.resolve(runName);
        if (cachedTeacherReady(dir, name)) {
            return dir;
        }
        if (!trainsTeacher) {
            throw new UserInputException("teacher " + name + " is not trained for this data on this cluster node (no "
                    + dir + "), and cluster nodes do not train teachers: submit with ./t2t train --cluster, which trains"
                    + " it on the submitting machine first, or give --teacher PATH to a teacher every node can read");
        }
        try {
            Files.createDirectories(cache);
        } catch (IOException e) {
            throw DiskFailure.of("cannot create the teacher cache", cache, e);
        }
        try (CacheLock lock = CacheLock.acquire(cache.resolve(runName + ".lock"), "teacher " + name + " to be trained",
                err)) {
            if (cachedTeacherReady(dir, name)) {
                return dir;
            }
            String partial = runName + ".partial";
            err.println("t2t: training teacher " + name + " first (cached in " + dir + " for later runs)");
            Progress.Phase teacherPhase = new Progress.Phase("teacher " + name, student.plannedSteps());
            Map<String, Object> s = new TrainingRun(teacherCfg.with(Map.of("out", cache.toString(), "name", partial)),
                    err, LocalJob::run, teacherPhase, true).run();
            err.printf(Locale.ROOT, "t2t: teacher %s: top-1 %.4f after %s%n", name, ((Number) s.get("top1")).doubleValue(),
                    t2t.ops.cli.Plural.of(s.get("epochs"), "epoch"));
            try {
                if (Files.exists(dir)) {
                    // An entry without a valid checkpoint and summary: what is left of an older, broken one.
                    CheckpointStore.deleteTree(dir);
                }
                Files.move(cache.resolve(partial), dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw DiskFailure.of("cannot move the trained teacher into the cache", dir, e);
            }
            return dir;
        }
    }

    /** True (and said) when {@code dir} holds a finished teacher: a valid checkpoint and its run's summary. */
    private boolean cachedTeacherReady(Path dir, String name) {
        if (Files.isDirectory(dir.resolve("checkpoints")) && Files.exists(dir.resolve("summary.json"))
                && new CheckpointStore(dir.resolve("checkpoints"), 1).loadLatestValid().isPresent()) {
            err.println("t2t: teacher " + name + " from the cache: " + dir);
            return true;
        }
        return false;
    }

    /**
     * Keys of a teacher's run that cannot change its weights. Every other key is part of the cache
     * key, so a key missing here costs a retraining, never a wrong teacher; {@code TeacherCacheKeyTest}
     * makes whoever adds a config key classify it, here or as shaping the teacher.
     */
    static final java.util.Set<String> NOT_IN_TEACHER_KEY = java.util.Set.of(
            // Where the run is written and how it is logged and checkpointed.
            "out", "name", "resume", "log-every", "checkpoint-every", "keep-checkpoints",
            // When a silent worker is declared lost: a fault rule, not the arithmetic of a step.
            "step-deadline",
            // How the work is spread: sync mode gives the same weights, to float tolerance, on any number of
            // workers, threads, loaders, shards or nodes.
            "cluster", "loaders", "workers", "threads-per-worker", "aggregators",
            // Read only for the student's run: cachedTeacher sets the teacher's epochs from it, and these loss
            // weights act only with a teacher, which a teacher's own run never has.
            "teacher-epochs", "distillation-alpha", "distillation-tau", "dense-weight", "cls-weight");

    /**
     * What identifies a cached teacher: its own run's whole resolved configuration (so a key added
     * to {@link JobConfig} later is part of it without anyone remembering to add it here), less
     * the keys that cannot change its weights, plus the input channels the data gives and the
     * checkpoint format.
     */
    static String teacherCacheKey(JobConfig teacherCfg, int inputChannels) {
        // The checkpoint format too: a build that cannot read a cached teacher trains its own beside it.
        StringBuilder key = new StringBuilder("channels=").append(inputChannels)
                .append("|checkpoint-format=").append(CheckpointStore.FORMAT);
        new java.util.TreeMap<>(teacherCfg.asRawMap()).forEach((k, v) -> {
            if (!NOT_IN_TEACHER_KEY.contains(k)) {
                key.append('|').append(k).append('=').append(v);
            }
        });
        return key.toString();
    }

    static Path cacheRoot() {
        String env = System.getenv("T2T_CACHE");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "t2t");
    }

    /** Writes metrics, checkpoints and the progress line; builds the summary at the end. */
    private final class Listener implements JobListener {
        private final RunFolder folder;
        private final CheckpointStore store;
        private final JobAssembly job;
        private final String configJson;
        private final Progress progress;
        private final LinePlot loss = new LinePlot("training loss", "step");
        private final LinePlot accuracy = new LinePlot("eval accuracy", "epoch");
        private final List<Map<String, Object>> evals = new ArrayList<>();

        Listener(RunFolder folder, CheckpointStore store, JobAssembly job, String configJson) {
            this.folder = folder;
            this.store = store;
            this.job = job;
            this.configJson = configJson;
            this.progress = new Progress(err, cfg.get(JobConfig.EPOCHS), cfg.get(JobConfig.STEPS),
                    new Progress.Parts(!"none".equals(cfg.get(JobConfig.DISTILLATION_TYPE)), cfg.get(JobConfig.TOKEN_LABEL)),
                    phase);
        }

        @Override
        public void onStep(StepMetrics m) {
            progress.step(m);
            if (!m.logged()) {
                return;
            }
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("step", m.step() + 1);
            line.put("epoch", m.epoch());
            line.put("loss", m.total());
            line.put("loss_cls", m.base());
            line.put("loss_distill", m.distill());
            line.put("loss_dense", m.dense());
            line.put("lr", m.lr());
            line.put("img_per_s", m.imgPerSec());
            line.put("step_ms", m.stepMs());
            line.put("compute_ms", m.computeMs());
            folder.appendMetrics(line);
            loss.add("total", m.step() + 1, m.total());
            loss.add("cls", m.step() + 1, m.base());
            if (m.distill() != 0) {
                loss.add("distill", m.step() + 1, m.distill());
            }
            if (m.dense() != 0) {
                loss.add("dense", m.step() + 1, m.dense());
            }
        }

        @Override
        public void onEval(long step, long epoch, EvalResult r, double seconds) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("step", step + 1);
            line.put("epoch", epoch);
            line.put("eval_top1", r.top1());
            line.put("eval_top5", r.top5());
            line.put("eval_samples", r.samples());
            line.put("eval_s", seconds);
            folder.appendMetrics(line);
            evals.add(line);
            accuracy.add("top-1", epoch + 1, r.top1());
            accuracy.add("top-5", epoch + 1, r.top5());
            progress.message(String.format(Locale.ROOT, "epoch %d: eval top-1 %.4f  top-5 %.4f  (%d images, %.1f s)",
                    epoch + 1, r.top1(), r.top5(), r.samples(), seconds));
        }

        @Override
        public String onCheckpoint(CheckpointData data) {
            Path p = store.write(job.checkpoint(data, configJson));
            return p.toString();
        }

        @Override
        public void onMembership(long generation, List<String> workers, String reason) {
            progress.message("t2t: generation " + generation + ": " + workers.size() + " workers (" + reason + ")");
        }

        @Override
        public void onFinished(JobResult r) {
            progress.message("t2t: finished " + r.steps() + " steps in " + Progress.clock(r.wallSeconds()));
        }

        @Override
        public void onFailure(Throwable cause) {
            if (!(cause instanceof RunFailedException)) {
                // A RunFailedException is the CLI's one line already; saying it twice would not help.
                progress.message("t2t: the job failed: " + cause.getMessage());
            }
        }

        Map<String, Object> summarize(JobResult r) {
            Map<String, Tensor> weights = job.stateDict(r.shards(), false);
            Map<String, Object> s = new LinkedHashMap<>();
            EvalResult e = r.lastEval();
            s.put("top1", e == null ? null : e.top1());
            s.put("top5", e == null ? null : e.top5());
            s.put("epochs", r.epochs());
            s.put("steps", r.steps());
            s.put("wall_s", r.wallSeconds());
            s.put("train_img_per_s", r.trainImgPerSec());
            s.put("weights_sha256", JobAssembly.sha256(weights));
            s.put("samples_trained_per_epoch", r.samplesTrainedPerEpoch());
            s.put("duplicate_samples", r.duplicateSamples());
            // From the ledger: each undecodable sample once per epoch, as its step committed (the
            // loader's own count repeats a sample retried after a worker loss, and a cluster's
            // loaders run on other nodes).
            s.put("skipped_samples", r.skippedSamples());
            s.put("skipped_samples_per_epoch", r.skippedSamplesPerEpoch());
            s.put("skipped_sample_ids", r.skippedSampleIds());
            s.put("workers_restarted", r.workersRestarted());
            s.putAll(r.counters());
            s.put("model", cfg.get(JobConfig.MODEL));
            s.put("params", job.template().parameterCount());
            s.put("per_class_top1", e == null ? null : e.perClassTop1());
            s.put("evals", evals);
            s.put("run_dir", folder.root().toString());
            folder.writeSummary(s);
            if (!loss.isEmpty()) {
                loss.write(folder.plots().resolve("loss.png"));
            }
            if (!accuracy.isEmpty()) {
                accuracy.write(folder.plots().resolve("accuracy.png"));
            }
            if (e != null) {
                try {
                    ConfusionMatrixPlot.write(e.confusion(), job.trainData().classNames(), "confusion (eval split)",
                            folder.plots().resolve("confusion.png"));
                } catch (IOException ex) {
                    throw DiskFailure.of("cannot write a plot", folder.plots().resolve("confusion.png"), ex);
                }
            }
            return s;
        }
    }
}
