package t2t.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import t2t.actors.telemetry.DroppedMessages;
import t2t.actors.ledger.Accounting;
import t2t.actors.ledger.StepDeadline;
import t2t.actors.ledger.StepLedger;
import t2t.actors.ledger.WorkPlan;
import t2t.actors.runtime.EvalResult;
import t2t.actors.runtime.JobListener;
import t2t.actors.runtime.ShardRange;
import t2t.actors.runtime.StudentCompute;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongToDoubleFunction;

/**
 * Drives the job's {@link StepLedger} (plan, delivery, commit, requeue, credit: the rules that
 * decide which samples are trained) with the messages of workers and shards, and owns what is not
 * a rule: membership generations and their admission at step boundaries, tokens, checkpoints and
 * metrics. Workers pull work a bounded number of steps ahead. When the ledger commits a step, the
 * coordinator tells every shard its contributors, and the shards apply exactly those. Checkpoints
 * are written when every shard has sent its state after a checkpoint step. A worker that a step
 * awaits past the {@link StepDeadline} is declared lost like one that stopped.
 */
public final class Coordinator extends AbstractBehavior<Coordinator.Command> {

    public sealed interface Command {}

    public record Register(String workerId, ActorRef<WorkerActor.Command> ref, int numParams) implements Command {}

    public record RequestWork(String workerId, long token) implements Command {}

    /**
     * A worker finished its share of {@code step}. {@code bucketsSent}: it sent the step's gradient
     * (or local SGD model) to every shard; the step then waits for every shard's {@link BucketArrived}.
     */
    public record StepDone(String workerId, long step, long epoch, long generation, long[] sampleIds, long[] skippedIds,
                           StudentCompute.StepLoss loss, int samples, double computeMs, boolean bucketsSent,
                           long token) implements Command {}

    /** Shard {@code shard} holds {@code workerId}'s gradient (or local SGD model) of {@code step}; the shard's token. */
    public record BucketArrived(long step, int shard, String workerId, long token) implements Command {}

    public record EvalDone(long step, long epoch, EvalResult result, double seconds, String workerId, long token)
            implements Command {}

    public record WorkerIdle(String workerId, long version, long token) implements Command {}

    /** A shard's state after a checkpoint step, or at the end. */
    public record ShardSnapshot(AggregatorActor.ShardState state) implements Command {}

    /** A worker stopped or its node left the cluster: its unfinished slices go back to the queue. */
    public record WorkerLost(String workerId, String reason) implements Command {}

    /**
     * Stop planning steps; at the next step boundary (every planned step finished and applied by
     * every shard) tell {@code replyTo} the step the job will go on from. Shards move meanwhile.
     */
    public record HoldAtStepBoundary(ActorRef<Long> replyTo) implements Command {}

    /** The shards moved while held: train on with {@code aggregators} (in shard order) in a new generation. */
    public record ShardsMoved(List<ActorRef<AggregatorActor.Command>> aggregators, String reason) implements Command {}

    /** An aggregator's progress, asked for while joining workers wait for the step boundary. */
    private record ShardProgress(AggregatorActor.Stats stats) implements Command {}

    private enum RecheckAdmission implements Command { INSTANCE }

    /** Time to check the step deadline. */
    private enum CheckDeadline implements Command { INSTANCE }

    /**
     * What the job needs to know up front. {@code stepDeadline}: the floor of the step deadline
     * (see {@link StepDeadline}); set it with {@link #withStepDeadline}.
     */
    public record Settings(int expectedWorkers, long maxSteps, long checkpointEvery, int logEvery,
                           LongToDoubleFunction lrAt, long startStep, byte[] restoredState, Duration stepDeadline) {
        public Settings(int expectedWorkers, long maxSteps, long checkpointEvery, int logEvery, LongToDoubleFunction lrAt,
                        long startStep, byte[] restoredState) {
            this(expectedWorkers, maxSteps, checkpointEvery, logEvery, lrAt, startStep, restoredState,
                    StepDeadline.DEFAULT_FLOOR);
        }

        public Settings withStepDeadline(Duration floor) {
            return new Settings(expectedWorkers, maxSteps, checkpointEvery, logEvery, lrAt, startStep, restoredState,
                    floor);
        }
    }

    private final ActorContext<Command> ctx;
    private final Settings settings;
    private final StepLedger<StepDone> ledger;
    private final StepDeadline deadline;
    private final JobListener listener;
    private List<ActorRef<AggregatorActor.Command>> aggregators;
    private final List<ShardRange> ranges;
    private final ActorRef<AggregatorActor.ShardState> snapshotAdapter;
    private final long startNanos = System.nanoTime();

    private final Map<String, ActorRef<WorkerActor.Command>> workers = new LinkedHashMap<>();
    /**
     * Each registered worker's secret and each shard's: what their messages must carry, so a cluster
     * member (with a valid certificate) cannot send gradients, reports or parameters as another.
     */
    private final Map<String, Long> tokens = new HashMap<>();
    private final long[] shardTokens;
    /** This coordinator's own: what its commands to shards and workers carry. */
    private final long coordinatorToken;
    private final java.security.SecureRandom random = new java.security.SecureRandom();
    private long generation = -1;

    private List<AggregatorActor.ShardState> finalShards;
    /** Checkpoint states of committed steps whose shard snapshots have not all arrived. */
    private final Map<Long, StepLedger.Checkpoint> pendingCheckpoints = new HashMap<>();
    private final Map<Long, Map<Integer, AggregatorActor.ShardState>> snapshots = new HashMap<>();

    private final Set<String> idle = new HashSet<>();
    /** Workers that registered after the start; admitted together at the next step boundary. */
    private final Map<String, ActorRef<WorkerActor.Command>> joining = new LinkedHashMap<>();
    private final Map<Integer, Long> shardProgress = new HashMap<>();
    /** Who waits for the next step boundary to move shards; {@code held}: planning stops until they moved. */
    private ActorRef<Long> holdFor;
    private boolean held;
    /** Workers whose request for work waits for the epoch's tail (slices in flight) to settle. */
    private final List<String> waiting = new ArrayList<>();
    private long workersTimedOut;
    private final Duration checkEvery;
    /** When the shards were last asked whether they are alive (a step deadline passed), or -1. */
    private long probeSentNanos = -1;
    private final Set<Integer> probeReplies = new HashSet<>();

    // Metrics window.
    private long windowSamples;
    private long windowStartNanos = System.nanoTime();
    private long totalSamples;
    private double lastStepEndNanos = System.nanoTime();
    private EvalResult lastEval;
    private boolean finished;

    public static Behavior<Command> create(Settings settings, WorkPlan plan, JobListener listener,
                                           List<ActorRef<AggregatorActor.Command>> aggregators, List<ShardRange> ranges) {
        return Behaviors.withTimers(timers -> Behaviors.setup(
                ctx -> new Coordinator(ctx, timers, settings, plan, listener, aggregators, ranges)));
    }

    private Coordinator(ActorContext<Command> ctx, TimerScheduler<Command> timers, Settings settings, WorkPlan plan,
                        JobListener listener, List<ActorRef<AggregatorActor.Command>> aggregators,
                        List<ShardRange> ranges) {
        super(ctx);
        this.ctx = ctx;
        this.settings = settings;
        this.ledger = new StepLedger<>(plan, new StepLedger.Rules(settings.maxSteps(), settings.checkpointEvery(),
                ranges.size()), settings.startStep(), settings.restoredState());
        this.deadline = new StepDeadline(settings.stepDeadline(), System.nanoTime());
        this.listener = listener;
        this.aggregators = new ArrayList<>(aggregators);
        this.ranges = ranges;
        this.coordinatorToken = random.nextLong();
        this.shardTokens = new long[ranges.size()];
        for (int s = 0; s < shardTokens.length; s++) {
            shardTokens[s] = random.nextLong();
        }
        this.snapshotAdapter = ctx.messageAdapter(AggregatorActor.ShardState.class, ShardSnapshot::new);
        for (ActorRef<AggregatorActor.Command> a : aggregators) {
            a.tell(new AggregatorActor.SnapshotTo(snapshotAdapter));
        }
        // A tenth of the floor: a worker is declared lost (after a shard probe) about 30% after its deadline.
        this.checkEvery = Duration.ofMillis(Math.max(10, Math.min(1000, settings.stepDeadline().toMillis() / 10)));
        timers.startTimerWithFixedDelay(CheckDeadline.INSTANCE, checkEvery);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Register.class, this::onRegister)
                .onMessage(RequestWork.class, this::onRequestWork)
                .onMessage(StepDone.class, this::onStepDone)
                .onMessage(BucketArrived.class, this::onBucketArrived)
                .onMessage(EvalDone.class, this::onEvalDone)
                .onMessage(WorkerIdle.class, this::onWorkerIdle)
                .onMessage(ShardSnapshot.class, this::onShardSnapshot)
                .onMessage(WorkerLost.class, this::onWorkerLost)
                .onMessage(ShardProgress.class, this::onShardProgress)
                .onMessage(HoldAtStepBoundary.class, this::onHold)
                .onMessage(ShardsMoved.class, this::onShardsMoved)
                .onMessage(RecheckAdmission.class, m -> {
                    admitAtStepBoundary();
                    return this;
                })
                .onMessage(CheckDeadline.class, this::onCheckDeadline)
                .build();
    }

    private Behavior<Command> onRegister(Register r) {
        int expected = ranges.isEmpty() ? 0 : ranges.get(ranges.size() - 1).end();
        if (r.numParams() != expected) {
            listener.onFailure(new IllegalStateException("worker " + r.workerId() + " has " + r.numParams()
                    + " parameters, the shards cover " + expected));
            return Behaviors.stopped();
        }
        ActorRef<WorkerActor.Command> taken = workers.containsKey(r.workerId()) ? workers.get(r.workerId())
                : joining.get(r.workerId());
        if (taken != null) {
            if (!taken.equals(r.ref())) {
                // Another actor under a member's id: a forgery or a broken node; the member stays.
                DroppedMessages.dropped(ctx.getLog(), "registration under a taken worker id",
                        "refused a registration as {} from {}: the id belongs to {}", r.workerId(), r.ref(), taken);
            }
            return this;
        }
        tokens.put(r.workerId(), random.nextLong());
        ctx.watchWith(r.ref(), new WorkerLost(r.workerId(), "stopped, or its node " + r.ref().path().address()
                + " left the cluster"));
        if (generation >= 0) {
            joining.put(r.workerId(), r.ref());
            ctx.getLog().info("worker {} asks to join; admitted at the next step boundary", r.workerId());
            admitAtStepBoundary();
            return this;
        }
        workers.put(r.workerId(), r.ref());
        if (workers.size() == settings.expectedWorkers()) {
            ledger.start(new ArrayList<>(workers.keySet()));
            newGeneration("start with " + workers.size() + " workers");
        }
        return this;
    }

    private void newGeneration(String reason) {
        generation++;
        List<String> ranks = ledger.members();
        // Mutable copies of registered collection types: the membership reaches shards on other nodes through Kryo.
        HashMap<String, Long> memberTokens = new HashMap<>();
        for (String w : ranks) {
            memberTokens.put(w, tokens.get(w));
        }
        AggregatorActor.Membership m = new AggregatorActor.Membership(generation, new ArrayList<>(ranks),
                new LinkedHashMap<>(workers), new ArrayList<>(aggregators), ctx.getSelf(), memberTokens,
                shardTokens.clone(), coordinatorToken);
        for (ActorRef<AggregatorActor.Command> a : aggregators) {
            a.tell(m);
        }
        for (Map.Entry<String, ActorRef<WorkerActor.Command>> w : workers.entrySet()) {
            w.getValue().tell(new WorkerActor.Topology(generation, new ArrayList<>(aggregators), ranges,
                    tokens.get(w.getKey()), shardTokens.clone(), coordinatorToken));
        }
        deadline.restart(System.nanoTime());
        listener.onMembership(generation, ranks, reason);
    }

    private Behavior<Command> onRequestWork(RequestWork r) {
        if (!authentic(r.workerId(), r.token(), "request")) {
            return this;
        }
        serve(r.workerId());
        return this;
    }

    /** Hands the worker its slice of the lowest planned step it lacks, planning a step if needed. */
    private void serve(String workerId) {
        ActorRef<WorkerActor.Command> ref = workers.get(workerId);
        if (ref == null || !ledger.isMember(workerId)) {
            return;
        }
        boolean boundary = ledger.atStepBoundary();
        StepLedger.Assignment a = ledger.assign(workerId, joining.isEmpty() && holdFor == null && !held);
        if (a instanceof StepLedger.Handed h) {
            if (boundary) {
                // The first step after a boundary: its wait starts now, not when the last one committed.
                deadline.restart(System.nanoTime());
            }
            StepLedger.Work w = h.work();
            ref.tell(new WorkerActor.Work(w.step(), w.epoch(), generation, w.rank(), w.sampleIds(), w.copies(),
                    w.snapshotAfter(), w.evalAfter(), coordinatorToken));
        } else if (a == StepLedger.NoMoreWork.INSTANCE) {
            ref.tell(new WorkerActor.NoMoreWork(coordinatorToken));
        } else {
            waiting.add(workerId);
        }
    }

    /** The message carries the token of the worker it names. */
    private boolean authentic(String workerId, long token, String what) {
        Long t = tokens.get(workerId);
        if (t != null && t == token) {
            return true;
        }
        DroppedMessages.dropped(ctx.getLog(), what + " with a wrong token", "dropped a {} as {} with a wrong token",
                what, workerId);
        return false;
    }

    private Behavior<Command> onStepDone(StepDone d) {
        if (!authentic(d.workerId(), d.token(), "report")) {
            return this;
        }
        // A survivor's report of a step planned before a worker was lost still counts; a lost worker's does not.
        StepLedger.Outcome<StepDone> o = ledger.report(d.workerId(), d.step(),
                new StepLedger.Report<>(d.sampleIds(), d.skippedIds(), d.bucketsSent(), d));
        afterDelivery(o, d.workerId());
        return this;
    }

    private Behavior<Command> onBucketArrived(BucketArrived a) {
        if (a.shard() < 0 || a.shard() >= ranges.size()) {
            return this;
        }
        if (a.token() != shardTokens[a.shard()]) {
            DroppedMessages.dropped(ctx.getLog(), "arrival with a wrong token",
                    "dropped an arrival as shard {} with a wrong token", a.shard());
            return this;
        }
        afterDelivery(ledger.arrived(a.step(), a.shard(), a.workerId()), a.workerId());
        return this;
    }

    private void afterDelivery(StepLedger.Outcome<StepDone> o, String workerId) {
        if (!o.accepted()) {
            if (!workers.containsKey(workerId) && tokens.containsKey(workerId)) {
                DroppedMessages.dropped("message from a lost worker");
            }
            return;
        }
        for (StepLedger.Committed<StepDone> c : o.commits()) {
            deadline.stepCommitted(System.nanoTime());
            commit(c);
        }
        retryWaiting();
        admitAtStepBoundary();
    }

    /** Tells every shard the step's contributors: they apply exactly those gradients. */
    private void commit(StepLedger.Committed<StepDone> c) {
        AggregatorActor.Commit commit = new AggregatorActor.Commit(c.step(), new ArrayList<>(c.contributors()),
                coordinatorToken);
        for (ActorRef<AggregatorActor.Command> a : aggregators) {
            a.tell(commit);
        }
        if (c.checkpointAfter()) {
            pendingCheckpoints.put(c.step(), ledger.takeCheckpoint(c.step()));
        }
        if (c.evaluator() != null) {
            // It evaluates after this step; the next step waits on it meanwhile.
            deadline.evaluating(c.evaluator(), System.nanoTime());
        }
        reportStep(c);
    }

    private void retryWaiting() {
        if (!waiting.isEmpty()) {
            List<String> retry = new ArrayList<>(waiting);
            waiting.clear();
            retry.forEach(this::serve);
        }
    }

    /**
     * Finishes the step with the survivors (the aggregators drop the lost worker's contributions
     * alike), puts its unfinished slices back in the queue and starts a generation without it.
     */
    private Behavior<Command> onWorkerLost(WorkerLost l) {
        if (joining.remove(l.workerId()) != null) {
            tokens.remove(l.workerId());
        }
        if (!workers.containsKey(l.workerId()) || finished) {
            return this;
        }
        loseWorker(l.workerId(), l.reason());
        return this;
    }

    private void loseWorker(String workerId, String reason) {
        workers.remove(workerId);
        idle.remove(workerId);
        waiting.remove(workerId);
        ctx.getLog().warn("worker {} lost: {}", workerId, reason);
        ledger.lost(workerId);
        if (workers.isEmpty()) {
            listener.onFailure(new IllegalStateException("every worker was lost; the last: " + workerId + " ("
                    + reason + ")"));
            return;
        }
        newGeneration("lost " + workerId + ": " + reason);
        for (StepLedger.Committed<StepDone> c : ledger.commitReady()) {
            commit(c);
        }
        retryWaiting();
        admitAtStepBoundary();
        maybeFinish();
    }

    /**
     * Declares lost every worker the oldest step has awaited past the deadline: a hung compute
     * thread or a half-working network looks like this, and the step goes on with the survivors.
     * Its later messages are dropped (counted as from a lost worker).
     */
    private Behavior<Command> onCheckDeadline(CheckDeadline c) {
        if (finished || generation < 0) {
            return this;
        }
        long now = System.nanoTime();
        List<String> overdue = deadline.overdue(ledger.awaited(waiting), now);
        if (overdue.isEmpty()) {
            probeSentNanos = -1;
            return this;
        }
        BitSet unacknowledged = new BitSet();
        boolean workersDelivered = true;
        for (String w : overdue) {
            BitSet missing = ledger.shardsAwaited(w);
            workersDelivered &= !missing.isEmpty();
            unacknowledged.or(missing);
        }
        if (workersDelivered) {
            // Every late worker sent all its buckets and its report: the shards that never
            // acknowledged them are hung (or cut off); losing workers would not help.
            return shardsMissedDeadline(unacknowledged);
        }
        // A hung shard stalls the workers too (they wait for its parameters): ask every shard
        // first; one that does not answer within two checks is the one to blame.
        if (probeSentNanos < 0) {
            probeSentNanos = now;
            probeReplies.clear();
            ActorRef<AggregatorActor.Stats> reply = ctx.messageAdapter(AggregatorActor.Stats.class,
                    ShardProgress::new);
            for (ActorRef<AggregatorActor.Command> a : aggregators) {
                a.tell(new AggregatorActor.GetStats(reply));
            }
            return this;
        }
        if (probeReplies.size() < aggregators.size()) {
            if (now - probeSentNanos < 2 * checkEvery.toNanos()) {
                return this;
            }
            BitSet silent = new BitSet();
            silent.set(0, aggregators.size());
            probeReplies.forEach(silent::clear);
            return shardsMissedDeadline(silent);
        }
        probeSentNanos = -1;
        for (String w : overdue) {
            ActorRef<WorkerActor.Command> ref = workers.get(w);
            if (ref == null) {
                continue;
            }
            boolean evaluating = w.equals(deadline.evaluating());
            double waited = (evaluating ? deadline.evalDeadlineNanos() : deadline.deadlineNanos()) / 1e9;
            workersTimedOut++;
            ctx.unwatch(ref);
            loseWorker(w, String.format(java.util.Locale.ROOT, "missed the step deadline (%s %.1f s)",
                    evaluating ? "evaluation allowance" : "no delivery in", waited));
        }
        return this;
    }

    /** Shards that stopped answering end the job: their parameters (and optimizer state) live nowhere else. */
    private Behavior<Command> shardsMissedDeadline(BitSet shards) {
        List<String> where = new ArrayList<>();
        shards.stream().forEach(k -> where.add("shard " + k + " (" + aggregators.get(k).path() + ")"));
        ctx.getLog().error("{} missed the step deadline", where);
        finished = true;
        listener.onFailure(new IllegalStateException(String.join(", ", where) + " missed the step deadline ("
                + String.format(java.util.Locale.ROOT, "%.1f", deadline.deadlineNanos() / 1e9)
                + " s): resume from the last checkpoint with --resume auto"));
        return this;
    }

    /**
     * Admits waiting joiners once every planned step is finished and every shard has applied it,
     * so a joiner's first parameters are those of the step it starts at.
     */
    private void admitAtStepBoundary() {
        if ((joining.isEmpty() && holdFor == null) || held || !ledger.atStepBoundary() || finished) {
            return;
        }
        shardProgress.clear();
        ActorRef<AggregatorActor.Stats> reply = ctx.messageAdapter(AggregatorActor.Stats.class, ShardProgress::new);
        for (ActorRef<AggregatorActor.Command> a : aggregators) {
            a.tell(new AggregatorActor.GetStats(reply));
        }
    }

    private Behavior<Command> onShardProgress(ShardProgress p) {
        probeReplies.add(p.stats().shard());
        shardProgress.put(p.stats().shard(), p.stats().stepsApplied());
        if ((joining.isEmpty() && holdFor == null) || held || !ledger.atStepBoundary()
                || shardProgress.size() < aggregators.size()) {
            return this;
        }
        for (long applied : shardProgress.values()) {
            if (applied < ledger.nextStep()) {
                shardProgress.clear();
                ctx.scheduleOnce(Duration.ofMillis(20), ctx.getSelf(), RecheckAdmission.INSTANCE);
                return this;
            }
        }
        shardProgress.clear();
        if (holdFor != null) {
            // Joiners wait for the moved shards, and are admitted in the same new generation.
            held = true;
            holdFor.tell(ledger.nextStep());
            holdFor = null;
            return this;
        }
        newGeneration(admitJoiners());
        retryWaiting();
        return this;
    }

    /** Makes the waiting joiners members; returns the reason for the generation that admits them. */
    private String admitJoiners() {
        String names = String.join(", ", joining.keySet());
        ledger.admit(new ArrayList<>(joining.keySet()));
        workers.putAll(joining);
        joining.clear();
        return "joined " + names + " at step " + ledger.nextStep();
    }

    private Behavior<Command> onHold(HoldAtStepBoundary h) {
        holdFor = h.replyTo();
        admitAtStepBoundary();
        return this;
    }

    private Behavior<Command> onShardsMoved(ShardsMoved m) {
        if (m.aggregators().size() != ranges.size()) {
            listener.onFailure(new IllegalStateException(m.aggregators().size() + " shards moved, the job has "
                    + ranges.size()));
            return this;
        }
        aggregators = new ArrayList<>(m.aggregators());
        for (ActorRef<AggregatorActor.Command> a : aggregators) {
            a.tell(new AggregatorActor.SnapshotTo(snapshotAdapter));
        }
        held = false;
        String reason = m.reason() + " at step " + ledger.nextStep();
        newGeneration(joining.isEmpty() ? reason : reason + "; " + admitJoiners());
        retryWaiting();
        maybeFinish();
        return this;
    }

    /** The step's figures to the listener: losses weighted by samples over its contributors. */
    private void reportStep(StepLedger.Committed<StepDone> c) {
        long now = System.nanoTime();
        int samples = 0;
        double total = 0;
        double base = 0;
        double distill = 0;
        double dense = 0;
        double compute = 0;
        for (StepDone d : c.details()) {
            samples += d.samples();
            total += d.loss().total() * d.samples();
            base += d.loss().base() * d.samples();
            distill += d.loss().distill() * d.samples();
            dense += d.loss().dense() * d.samples();
            compute = Math.max(compute, d.computeMs());
        }
        double div = Math.max(1, samples);
        windowSamples += samples;
        totalSamples += samples;
        long step = c.step();
        boolean log = (step + 1) % settings.logEvery() == 0 || c.evalAfter();
        double secs = (now - windowStartNanos) / 1e9;
        long perEpoch = ledger.stepsPerEpoch();
        listener.onStep(new JobListener.StepMetrics(step, c.epoch(), perEpoch == 0 ? step : step % perEpoch,
                perEpoch, settings.lrAt().applyAsDouble(step), total / div, base / div, distill / div, dense / div,
                samples, windowSamples / Math.max(secs, 1e-9), (now - lastStepEndNanos) / 1e6, compute, log));
        if (log) {
            windowSamples = 0;
            windowStartNanos = now;
        }
        lastStepEndNanos = now;
    }

    private Behavior<Command> onShardSnapshot(ShardSnapshot s) {
        long step = s.state().stepsApplied() - 1;
        Map<Integer, AggregatorActor.ShardState> got = snapshots.computeIfAbsent(step, k -> new HashMap<>());
        got.put(s.state().shard(), s.state());
        if (got.size() == ranges.size()) {
            snapshots.remove(step);
            List<AggregatorActor.ShardState> shards = new ArrayList<>(got.values());
            shards.sort((a, b) -> Integer.compare(a.shard(), b.shard()));
            StepLedger.Checkpoint mark = pendingCheckpoints.remove(step);
            if (mark != null) {
                try {
                    listener.onCheckpoint(new JobListener.CheckpointData(step, mark.epoch(), mark.planState(),
                            mark.accounting(), shards));
                } catch (RuntimeException e) {
                    // Training on without checkpoints would risk every step since the last good one: stop
                    // the job; that checkpoint stays valid to resume from.
                    listener.onFailure(e);
                    return this;
                }
                // Writing it held this thread, not the workers: their wait starts again.
                deadline.restart(System.nanoTime());
            }
            if (step == ledger.finalStep()) {
                finalShards = shards;
                maybeFinish();
            }
        }
        return this;
    }

    private Behavior<Command> onEvalDone(EvalDone e) {
        if (!authentic(e.workerId(), e.token(), "report")) {
            return this;
        }
        deadline.evaluated(e.workerId(), System.nanoTime());
        lastEval = e.result();
        listener.onEval(e.step(), e.epoch(), e.result(), e.seconds());
        return this;
    }

    private Behavior<Command> onWorkerIdle(WorkerIdle w) {
        if (!authentic(w.workerId(), w.token(), "report")) {
            return this;
        }
        idle.add(w.workerId());
        maybeFinish();
        return this;
    }

    private void maybeFinish() {
        if (finalShards != null && ledger.atStepBoundary() && idle.containsAll(workers.keySet()) && joining.isEmpty()) {
            finish(finalShards);
        }
    }

    private void finish(List<AggregatorActor.ShardState> shards) {
        if (finished) {
            return;
        }
        finished = true;
        double wall = (System.nanoTime() - startNanos) / 1e9;
        Accounting a = ledger.accounting();
        StepLedger.Membership m = ledger.membership();
        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("workers_lost", m.lost());
        counters.put("workers_timed_out", workersTimedOut);
        counters.put("workers_joined", m.joined());
        counters.put("generations", generation + 1);
        counters.put("messages_from_lost_workers", m.messagesFromLostWorkers());
        listener.onFinished(new JobListener.JobResult(ledger.finalStep() + 1, a.epochs(), shards, lastEval,
                a.trainedPerEpoch(), a.duplicates(), a.skippedTotal(), m.restarted(), wall,
                totalSamples / Math.max(wall, 1e-9), counters, a.skippedPerEpoch(), a.skippedIds()));
    }
}
