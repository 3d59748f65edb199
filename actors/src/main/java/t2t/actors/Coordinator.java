package t2t.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import t2t.actors.runtime.EvalResult;
import t2t.actors.runtime.JobListener;
import t2t.actors.runtime.ShardRange;
import t2t.actors.runtime.StudentCompute;
import t2t.actors.runtime.WorkPlan;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongToDoubleFunction;

/**
 * Owns the epoch plan, the step slices, the membership generation, exactly-once accounting,
 * checkpoints and metrics. Workers pull work a bounded number of steps ahead. A step commits when
 * every worker of its generation is either <em>delivered</em> (its report arrived and every shard
 * holds its gradient) or lost; the coordinator then tells every shard the step's contributors, and
 * the shards apply exactly those. So a worker that dies between its messages to different shards
 * is left out of the step everywhere alike, and its slice goes back to the queue. Checkpoints are
 * written when every shard has sent its state after a checkpoint step.
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

    /** What the job needs to know up front. */
    public record Settings(int expectedWorkers, long maxSteps, long checkpointEvery, int logEvery,
                           LongToDoubleFunction lrAt, long startStep, byte[] restoredState) {}

    private final ActorContext<Command> ctx;
    private final Settings settings;
    private final WorkPlan plan;
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
    private List<String> ranks = List.of();

    /** Planned steps not yet finished: per-rank slices and who has received theirs. */
    private final TreeMap<Long, Planned> planned = new TreeMap<>();
    private long nextStepToPlan;
    private boolean planExhausted;
    private final Map<Long, PlanMark> planStateAfter = new HashMap<>();
    private List<AggregatorActor.ShardState> finalShards;
    private long finalStep = -1;

    /** What a committed step added to the accounting, kept until a checkpoint at or after it is written. */
    private record Credit(Map<Long, long[]> newIds, long duplicates, long skipped) {}

    /** A worker's part of a committed step: its slice and report. */
    private record Share(long step, int rank, long epoch, StepDone done) {}

    /**
     * Local SGD: each worker's shares since its last averaging round. They count as trained when its
     * round's model reaches every shard; if it is lost before, its replica's updates are gone, so
     * the slices go back to the queue.
     */
    private final Map<String, List<Share>> unsettled = new HashMap<>();
    private final TreeMap<Long, Credit> recentCredits = new TreeMap<>();

    /** The plan's state right after a checkpoint step was planned, and that step's epoch. */
    private record PlanMark(long epoch, byte[] state) {}
    private final Map<Long, Map<Integer, AggregatorActor.ShardState>> snapshots = new HashMap<>();

    // Exactly-once accounting per epoch.
    private final Map<Long, BitSet> trained = new TreeMap<>();
    private final Map<Long, Long> trainedCount = new TreeMap<>();
    private long duplicates;
    private long skipped;
    private final Set<String> idle = new HashSet<>();
    /** Workers that registered after the start; admitted together at the next step boundary. */
    private final Map<String, ActorRef<WorkerActor.Command>> joining = new LinkedHashMap<>();
    private final Map<Integer, Long> shardProgress = new HashMap<>();
    private long workersLost;
    private long workersJoined;
    /** Who waits for the next step boundary to move shards; {@code held}: planning stops until they moved. */
    private ActorRef<Long> holdFor;
    private boolean held;
    /** Workers whose request for work waits for the epoch's tail (slices in flight) to settle. */
    private final List<String> waiting = new ArrayList<>();

    // Metrics window.
    private long stepsDone;
    private long windowSamples;
    private long windowStartNanos = System.nanoTime();
    private long totalSamples;
    private double lastStepEndNanos = System.nanoTime();
    private EvalResult lastEval;
    private boolean finished;

    private static final class Planned {
        final WorkPlan.Step step;
        /** The workers of the generation the step was planned for, in rank order. */
        final List<String> ranks;
        final Set<Integer> handedOut = new HashSet<>();
        final Map<String, StepDone> done = new HashMap<>();
        /** Per worker, the shards that hold its bucket of this step. */
        final Map<String, BitSet> arrived = new HashMap<>();
        /** Workers lost before they were delivered: left out of this step, their slices requeued. */
        final Set<String> excluded = new HashSet<>();
        final boolean snapshotAfter;
        final boolean evalAfter;

        Planned(WorkPlan.Step step, List<String> ranks, boolean snapshotAfter, boolean evalAfter) {
            this.step = step;
            this.ranks = ranks;
            this.snapshotAfter = snapshotAfter;
            this.evalAfter = evalAfter;
        }
    }

    public static Behavior<Command> create(Settings settings, WorkPlan plan, JobListener listener,
                                           List<ActorRef<AggregatorActor.Command>> aggregators, List<ShardRange> ranges) {
        return Behaviors.setup(ctx -> new Coordinator(ctx, settings, plan, listener, aggregators, ranges));
    }

    private Coordinator(ActorContext<Command> ctx, Settings settings, WorkPlan plan, JobListener listener,
                        List<ActorRef<AggregatorActor.Command>> aggregators, List<ShardRange> ranges) {
        super(ctx);
        this.ctx = ctx;
        this.settings = settings;
        this.plan = plan;
        this.listener = listener;
        this.aggregators = new ArrayList<>(aggregators);
        this.ranges = ranges;
        this.nextStepToPlan = settings.startStep();
        this.coordinatorToken = random.nextLong();
        this.shardTokens = new long[ranges.size()];
        for (int s = 0; s < shardTokens.length; s++) {
            shardTokens[s] = random.nextLong();
        }
        this.snapshotAdapter = ctx.messageAdapter(AggregatorActor.ShardState.class, ShardSnapshot::new);
        if (settings.restoredState() != null) {
            restoreAccounting(settings.restoredState());
        }
        for (ActorRef<AggregatorActor.Command> a : aggregators) {
            a.tell(new AggregatorActor.SnapshotTo(snapshotAdapter));
        }
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
                t2t.actors.cluster.WireStats.dropped("registration under a taken worker id");
                ctx.getLog().warn("refused a registration as {} from {}: the id belongs to {}", r.workerId(), r.ref(),
                        taken);
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
        if (generation < 0 && workers.size() == settings.expectedWorkers()) {
            newGeneration("start with " + workers.size() + " workers");
        }
        return this;
    }

    private void newGeneration(String reason) {
        generation++;
        ranks = new ArrayList<>(workers.keySet());
        // Mutable copies of registered collection types: the membership reaches shards on other nodes through Kryo.
        HashMap<String, Long> memberTokens = new HashMap<>();
        for (String w : ranks) {
            memberTokens.put(w, tokens.get(w));
        }
        AggregatorActor.Membership m = new AggregatorActor.Membership(generation, ranks, new LinkedHashMap<>(workers),
                new ArrayList<>(aggregators), ctx.getSelf(), memberTokens, shardTokens.clone(), coordinatorToken);
        for (ActorRef<AggregatorActor.Command> a : aggregators) {
            a.tell(m);
        }
        for (Map.Entry<String, ActorRef<WorkerActor.Command>> w : workers.entrySet()) {
            w.getValue().tell(new WorkerActor.Topology(generation, new ArrayList<>(aggregators), ranges,
                    tokens.get(w.getKey()), shardTokens.clone(), coordinatorToken));
        }
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
        if (!ranks.contains(workerId) || ref == null) {
            return;
        }
        for (Planned p : planned.values()) {
            int rank = p.ranks.indexOf(workerId);
            if (rank >= 0 && !p.handedOut.contains(rank)) {
                handOut(p, rank, ref);
                return;
            }
        }
        Planned p = joining.isEmpty() && holdFor == null && !held ? planNext() : null;
        if (p != null) {
            handOut(p, p.ranks.indexOf(workerId), ref);
        } else if (planExhausted) {
            ref.tell(new WorkerActor.NoMoreWork(coordinatorToken));
        } else {
            waiting.add(workerId);
        }
    }

    private Planned planNext() {
        if (planExhausted || (settings.maxSteps() > 0 && nextStepToPlan >= settings.maxSteps())) {
            planExhausted = true;
            return null;
        }
        WorkPlan.Step s = plan.next(ranks.size());
        if (s == null) {
            planExhausted = plan.finished();
            return null;
        }
        if (s.step() != nextStepToPlan) {
            throw new IllegalStateException("plan produced step " + s.step() + ", expected " + nextStepToPlan);
        }
        nextStepToPlan++;
        boolean last = s.lastOfRun() || (settings.maxSteps() > 0 && s.step() == settings.maxSteps() - 1);
        boolean ckpt = settings.checkpointEvery() > 0
                ? (s.step() + 1) % settings.checkpointEvery() == 0 || last
                : s.lastOfEpoch() || last;
        boolean eval = s.lastOfEpoch() || last;
        Planned p = new Planned(s, List.copyOf(ranks), ckpt, eval);
        planned.put(s.step(), p);
        if (ckpt) {
            planStateAfter.put(s.step(), new PlanMark(s.epoch(), plan.saveState()));
        }
        if (last) {
            finalStep = s.step();
            planExhausted = true;
        }
        return p;
    }

    private void handOut(Planned p, int rank, ActorRef<WorkerActor.Command> ref) {
        p.handedOut.add(rank);
        WorkPlan.Step s = p.step;
        ref.tell(new WorkerActor.Work(s.step(), s.epoch(), generation, rank, s.slices()[rank], s.copies()[rank],
                p.snapshotAfter,
                p.evalAfter && rank == 0, coordinatorToken));
    }

    /** The message carries the token of the worker it names. */
    private boolean authentic(String workerId, long token, String what) {
        Long t = tokens.get(workerId);
        if (t != null && t == token) {
            return true;
        }
        t2t.actors.cluster.WireStats.dropped(what + " with a wrong token");
        ctx.getLog().warn("dropped a {} as {} with a wrong token", what, workerId);
        return false;
    }

    private Behavior<Command> onStepDone(StepDone d) {
        if (!authentic(d.workerId(), d.token(), "report")) {
            return this;
        }
        Planned p = planned.get(d.step());
        // A survivor's report of a step planned before a worker was lost still counts; a lost worker's does not.
        if (p == null || !p.ranks.contains(d.workerId()) || !workers.containsKey(d.workerId())
                || p.done.containsKey(d.workerId()) || p.excluded.contains(d.workerId())) {
            return this;
        }
        p.done.put(d.workerId(), d);
        commitIfSettled(p);
        retryWaiting();
        admitAtStepBoundary();
        return this;
    }

    private Behavior<Command> onBucketArrived(BucketArrived a) {
        Planned p = planned.get(a.step());
        if (p == null || !p.ranks.contains(a.workerId()) || p.excluded.contains(a.workerId())
                || a.shard() < 0 || a.shard() >= ranges.size()) {
            return this;
        }
        if (a.token() != shardTokens[a.shard()]) {
            t2t.actors.cluster.WireStats.dropped("arrival with a wrong token");
            ctx.getLog().warn("dropped an arrival as shard {} with a wrong token", a.shard());
            return this;
        }
        p.arrived.computeIfAbsent(a.workerId(), w -> new BitSet()).set(a.shard());
        commitIfSettled(p);
        retryWaiting();
        admitAtStepBoundary();
        return this;
    }

    /** Its report arrived and every shard holds its bucket: the worker's share of the step is in. */
    private boolean delivered(Planned p, String w) {
        StepDone d = p.done.get(w);
        if (d == null || p.excluded.contains(w)) {
            return false;
        }
        BitSet got = p.arrived.get(w);
        return !d.bucketsSent() || (got != null && got.cardinality() == ranges.size());
    }

    /** After a requeue: the requeued samples need steps after the one planned as the last. */
    private void reopenPlan() {
        if (planExhausted && !plan.finished() && (settings.maxSteps() <= 0 || nextStepToPlan < settings.maxSteps())) {
            planExhausted = false;
            finalStep = -1;
        }
    }

    /** Counts {@code shares} as trained, as of step {@code step} (for the checkpoints' accounting). */
    private void credit(long step, List<Share> shares) {
        Map<Long, List<Long>> newIds = new TreeMap<>();
        long dup = 0;
        long skip = 0;
        for (Share s : shares) {
            plan.completed(s.step(), s.rank());
            BitSet seen = trained.computeIfAbsent(s.epoch(), e -> new BitSet());
            List<Long> fresh = newIds.computeIfAbsent(s.epoch(), e -> new ArrayList<>());
            for (long id : s.done().sampleIds()) {
                if (seen.get((int) id)) {
                    dup++;
                } else {
                    seen.set((int) id);
                    fresh.add(id);
                }
            }
            skip += s.done().skippedIds().length;
        }
        Map<Long, long[]> credited = new TreeMap<>();
        newIds.forEach((epoch, ids) -> {
            trainedCount.merge(epoch, (long) ids.size(), Long::sum);
            credited.put(epoch, ids.stream().mapToLong(Long::longValue).toArray());
        });
        duplicates += dup;
        skipped += skip;
        recentCredits.put(step, new Credit(credited, dup, skip));
    }

    /** Commits the step once every worker of its generation is delivered or lost. */
    private void commitIfSettled(Planned p) {
        for (String w : p.ranks) {
            if (workers.containsKey(w) && !delivered(p, w)) {
                return;
            }
        }
        commit(p);
    }

    /**
     * The step's contributors are its delivered workers, in rank order: every shard applies exactly
     * their gradients, and exactly their samples count as trained.
     */
    private void commit(Planned p) {
        long step = p.step.step();
        List<String> contributors = new ArrayList<>();
        List<Share> settled = new ArrayList<>();
        for (int rank = 0; rank < p.ranks.size(); rank++) {
            String w = p.ranks.get(rank);
            if (!delivered(p, w)) {
                continue;
            }
            StepDone d = p.done.get(w);
            if (!d.bucketsSent() && !workers.containsKey(w)) {
                // A local SGD step of a worker already lost: its replica, and the update, are gone.
                plan.requeue(step, rank);
                reopenPlan();
                continue;
            }
            contributors.add(w);
            Share share = new Share(step, rank, p.step.epoch(), d);
            if (d.bucketsSent()) {
                List<Share> round = unsettled.remove(w);
                if (round != null) {
                    settled.addAll(round);
                }
                settled.add(share);
            } else {
                // Local SGD between averaging rounds: the update lives only in the worker's replica.
                unsettled.computeIfAbsent(w, k -> new ArrayList<>()).add(share);
            }
        }
        credit(step, settled);
        AggregatorActor.Commit c = new AggregatorActor.Commit(step, new ArrayList<>(contributors), coordinatorToken);
        for (ActorRef<AggregatorActor.Command> a : aggregators) {
            a.tell(c);
        }
        finishStep(p, contributors);
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
        workers.remove(l.workerId());
        idle.remove(l.workerId());
        waiting.remove(l.workerId());
        workersLost++;
        ctx.getLog().warn("worker {} lost: {}", l.workerId(), l.reason());
        boolean requeued = false;
        List<Share> round = unsettled.remove(l.workerId());
        if (round != null && !round.isEmpty()) {
            ctx.getLog().warn("{}'s local SGD round since step {} never reached the shards: {} slices go back to the "
                    + "queue", l.workerId(), round.get(0).step(), round.size());
            for (Share s : round) {
                plan.requeue(s.step(), s.rank());
            }
            requeued = true;
        }
        for (Planned p : new ArrayList<>(planned.values())) {
            int rank = p.ranks.indexOf(l.workerId());
            // Delivered shares stay in: every shard holds them, so the step can still apply them everywhere.
            if (rank >= 0 && !delivered(p, l.workerId())) {
                p.excluded.add(l.workerId());
                plan.requeue(p.step.step(), rank);
                requeued = true;
            }
        }
        if (requeued) {
            reopenPlan();
        }
        if (workers.isEmpty()) {
            listener.onFailure(new IllegalStateException("every worker was lost; the last: " + l.workerId() + " ("
                    + l.reason() + ")"));
            return this;
        }
        newGeneration("lost " + l.workerId() + ": " + l.reason());
        for (Planned p : new ArrayList<>(planned.values())) {
            commitIfSettled(p);
        }
        retryWaiting();
        admitAtStepBoundary();
        maybeFinish();
        return this;
    }

    /**
     * Admits waiting joiners once every planned step is finished and every shard has applied it,
     * so a joiner's first parameters are those of the step it starts at.
     */
    private void admitAtStepBoundary() {
        if ((joining.isEmpty() && holdFor == null) || held || !planned.isEmpty() || finished) {
            return;
        }
        shardProgress.clear();
        ActorRef<AggregatorActor.Stats> reply = ctx.messageAdapter(AggregatorActor.Stats.class, ShardProgress::new);
        for (ActorRef<AggregatorActor.Command> a : aggregators) {
            a.tell(new AggregatorActor.GetStats(reply));
        }
    }

    private Behavior<Command> onShardProgress(ShardProgress p) {
        shardProgress.put(p.stats().shard(), p.stats().stepsApplied());
        if ((joining.isEmpty() && holdFor == null) || held || !planned.isEmpty()
                || shardProgress.size() < aggregators.size()) {
            return this;
        }
        for (long applied : shardProgress.values()) {
            if (applied < nextStepToPlan) {
                shardProgress.clear();
                ctx.scheduleOnce(java.time.Duration.ofMillis(20), ctx.getSelf(), RecheckAdmission.INSTANCE);
                return this;
            }
        }
        shardProgress.clear();
        if (holdFor != null) {
            // Joiners wait for the moved shards, and are admitted in the same new generation.
            held = true;
            holdFor.tell(nextStepToPlan);
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
        workersJoined += joining.size();
        workers.putAll(joining);
        joining.clear();
        return "joined " + names + " at step " + nextStepToPlan;
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
        String reason = m.reason() + " at step " + nextStepToPlan;
        newGeneration(joining.isEmpty() ? reason : reason + "; " + admitJoiners());
        retryWaiting();
        maybeFinish();
        return this;
    }

    private void finishStep(Planned p, List<String> contributors) {
        planned.remove(p.step.step());
        long now = System.nanoTime();
        int samples = 0;
        double total = 0;
        double base = 0;
        double distill = 0;
        double dense = 0;
        double compute = 0;
        for (String w : contributors) {
            StepDone d = p.done.get(w);
            samples += d.samples();
            total += d.loss().total() * d.samples();
            base += d.loss().base() * d.samples();
            distill += d.loss().distill() * d.samples();
            dense += d.loss().dense() * d.samples();
            compute = Math.max(compute, d.computeMs());
        }
        double div = Math.max(1, samples);
        stepsDone++;
        windowSamples += samples;
        totalSamples += samples;
        long step = p.step.step();
        boolean log = (step + 1) % settings.logEvery() == 0 || p.evalAfter;
        double secs = (now - windowStartNanos) / 1e9;
        long perEpoch = plan.stepsPerEpoch();
        listener.onStep(new JobListener.StepMetrics(step, p.step.epoch(), perEpoch == 0 ? step : step % perEpoch,
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
            PlanMark mark = planStateAfter.remove(step);
            try {
                listener.onCheckpoint(new JobListener.CheckpointData(step, mark.epoch(), mark.state(),
                        saveAccounting(step), shards));
            } catch (RuntimeException e) {
                // Training on without checkpoints would risk every step since the last good one: stop
                // the job; that checkpoint stays valid to resume from.
                listener.onFailure(e);
                return this;
            }
            if (step == finalStep) {
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
        if (finalShards != null && planned.isEmpty() && idle.containsAll(workers.keySet()) && joining.isEmpty()) {
            finish(finalShards);
        }
    }

    private void finish(List<AggregatorActor.ShardState> shards) {
        if (finished) {
            return;
        }
        finished = true;
        double wall = (System.nanoTime() - startNanos) / 1e9;
        List<Long> perEpoch = new ArrayList<>(trainedCount.values());
        listener.onFinished(new JobListener.JobResult(finalStep + 1, trained.size(), shards, lastEval, perEpoch,
                duplicates, skipped, 0, wall, totalSamples / Math.max(wall, 1e-9),
                Map.of("workers_lost", workersLost, "workers_joined", workersJoined, "generations", generation + 1)));
    }

    /**
     * Accounting that a checkpoint of {@code step} carries: per-epoch trained sample sets and
     * counters as of that step. Every step up to it has committed (the shards applied it); steps
     * after it may have committed too, before this snapshot arrived, and are taken out again.
     */
    private byte[] saveAccounting(long step) {
        Map<Long, BitSet> sets = new TreeMap<>();
        Map<Long, Long> counts = new TreeMap<>(trainedCount);
        trained.forEach((epoch, bits) -> sets.put(epoch, (BitSet) bits.clone()));
        long dup = duplicates;
        long skip = skipped;
        for (Credit c : recentCredits.tailMap(step, false).values()) {
            for (Map.Entry<Long, long[]> e : c.newIds().entrySet()) {
                BitSet bits = sets.get(e.getKey());
                for (long id : e.getValue()) {
                    bits.clear((int) id);
                }
                counts.merge(e.getKey(), -(long) e.getValue().length, Long::sum);
            }
            dup -= c.duplicates();
            skip -= c.skipped();
        }
        recentCredits.headMap(step, true).clear();
        try (ByteArrayOutputStream bo = new ByteArrayOutputStream(); DataOutputStream o = new DataOutputStream(bo)) {
            o.writeInt(1);
            o.writeLong(dup);
            o.writeLong(skip);
            o.writeInt(sets.size());
            for (Map.Entry<Long, BitSet> e : sets.entrySet()) {
                o.writeLong(e.getKey());
                o.writeLong(counts.getOrDefault(e.getKey(), 0L));
                byte[] bits = e.getValue().toByteArray();
                o.writeInt(bits.length);
                o.write(bits);
            }
            o.flush();
            return bo.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void restoreAccounting(byte[] state) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            if (in.readInt() != 1) {
                throw new IllegalStateException("unknown coordinator state version");
            }
            duplicates = in.readLong();
            skipped = in.readLong();
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                long epoch = in.readLong();
                trainedCount.put(epoch, in.readLong());
                byte[] bits = new byte[in.readInt()];
                in.readFully(bits);
                trained.put(epoch, BitSet.valueOf(bits));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
