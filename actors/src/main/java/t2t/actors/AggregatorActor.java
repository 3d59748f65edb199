package t2t.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import t2t.actors.runtime.ShardOptimizer;
import t2t.actors.runtime.ShardRange;
import t2t.actors.runtime.WeightedMean;
import t2t.actors.telemetry.DroppedMessages;
import t2t.actors.telemetry.QueueDepths;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Owns one contiguous shard of the flat trainable-parameter vector, its optimizer state and EMA
 * (ZeRO-1). It tells the coordinator of every worker's gradient it holds; for each step it waits
 * for the coordinator's {@link Commit}, the step's contributors (the workers whose gradients every
 * shard holds), and averages exactly their gradients, weighted by samples and summed in rank order
 * (so the result is bit-reproducible and the same worker set on every shard), optionally clips by
 * the global norm (agreed with the other shards without a round trip through the coordinator),
 * applies the optimizer, and sends the updated slice to every worker: a reduce-scatter followed by
 * an all-gather.
 */
public final class AggregatorActor extends AbstractBehavior<AggregatorActor.Command> {

    public sealed interface Command {}

    /** A worker's gradient for this shard at {@code step}, the mean over its {@code samples} samples. */
    public record Gradient(long step, long generation, String workerId, float[] data, int samples,
                           boolean snapshotAfter, long token) implements Command {}

    /**
     * Local SGD ({@code --sync local:H}): a worker's slice of its own parameters at the end of the
     * round ending with {@code step}, and the samples it trained since the previous round.
     */
    public record LocalModel(long step, long generation, String workerId, float[] data, long samples,
                             boolean snapshotAfter, long token) implements Command {}

    /**
     * The workers of a generation, in rank order, the peers for the global norm, whom to tell of
     * arrivals, the workers' tokens (what their gradients must carry) and the shards' (what this
     * shard's parameters carry, by shard index).
     */
    public record Membership(long generation, List<String> workerIds, Map<String, ActorRef<WorkerActor.Command>> workers,
                             List<ActorRef<Command>> aggregators, ActorRef<Coordinator.Command> coordinator,
                             Map<String, Long> tokens, long[] shardTokens, long coordinatorToken) implements Command {}

    /**
     * Step {@code step} applies the gradients (or local SGD models) of exactly {@code contributors},
     * in rank order; whatever else arrived for it is left out.
     */
    public record Commit(long step, List<String> contributors, long token) implements Command {}

    /** One shard's squared norm of the averaged gradient at {@code step}. */
    public record NormPart(long step, int shard, double sumSquares) implements Command {}

    /** Sends the current slice (and its version: steps applied) to a joining worker. */
    public record FetchParams(ActorRef<WorkerActor.Command> replyTo) implements Command {}

    /** Asks for the shard's parameters and optimizer state now (used at the end of a run and for tests). */
    public record GetState(ActorRef<ShardState> replyTo) implements Command {}

    /** A shard's parameters, optimizer state and EMA after {@code stepsApplied} updates. */
    public record ShardState(int shard, long stepsApplied, float[] params, Map<String, float[]> optimizer,
                             float[] ema) {}

    /** Hands the shard's state to whoever snapshots a checkpoint. */
    public record SnapshotTo(ActorRef<ShardState> coordinator) implements Command {}

    /** Restores a checkpointed shard (before any step of the resumed run). */
    public record Restore(ShardState state) implements Command {}

    /** Counters for metrics: updates applied, gradients dropped (stale generation, wrong size, unknown sender). */
    public record GetStats(ActorRef<Stats> replyTo) implements Command {}

    public record Stats(int shard, long stepsApplied, long dropped, double lastUpdateMs) {}

    /** Learning-rate-free description of what to do with an averaged gradient. */
    public interface ClipPolicy {
        /** The scale for a global norm {@code norm}; 1 for no clipping. */
        float scale(double norm);
    }

    private final ActorContext<Command> ctx;
    private final ShardRange range;
    private final float[] params;
    private final ShardOptimizer optimizer;
    private final ClipPolicy clip;
    private final boolean clipping;
    private long stepsApplied;
    private long dropped;
    private double lastUpdateMs;

    private long generation = -1;
    private List<String> workerIds = List.of();
    private Map<String, ActorRef<WorkerActor.Command>> workers = Map.of();
    private List<ActorRef<Command>> peers = List.of();
    private ActorRef<Coordinator.Command> coordinator;
    private Map<String, Long> tokens = Map.of();
    private long shardToken;
    /** The coordinator's token, from its first membership: later memberships and commits must carry it. */
    private long coordinatorToken;
    /** Joining workers' requests for parameters that came before this shard knew its token. */
    private final List<FetchParams> fetchesBeforeMembership = new ArrayList<>();
    private ActorRef<ShardState> snapshotSink;
    /** The coordinator's decisions, per step, until the step is applied. */
    private final TreeMap<Long, List<String>> commits = new TreeMap<>();

    /** Gradients received per step, per worker, until the step completes. */
    private final TreeMap<Long, Map<String, Gradient>> pending = new TreeMap<>();
    /** Averaged gradients waiting for the other shards' norms (only when clipping). */
    private final Map<Long, float[]> awaitingNorm = new HashMap<>();
    private final Map<Long, Boolean> snapshotAfter = new HashMap<>();
    private final Map<Long, Map<Integer, Double>> normParts = new HashMap<>();
    /** Gradients of a generation this shard has not been told of yet. */
    private final java.util.List<Gradient> early = new java.util.ArrayList<>();
    /** Local SGD rounds: the workers' parameter slices per round-ending step. */
    private final TreeMap<Long, Map<String, LocalModel>> rounds = new TreeMap<>();
    private final QueueDepths.Owner queues = new QueueDepths.Owner();

    public static Behavior<Command> create(ShardRange range, float[] initialParams, ShardOptimizer optimizer,
                                           ClipPolicy clip, boolean clipping) {
        return Behaviors.setup(ctx -> new AggregatorActor(ctx, range, initialParams, optimizer, clip, clipping));
    }

    private AggregatorActor(ActorContext<Command> ctx, ShardRange range, float[] initialParams, ShardOptimizer optimizer,
                            ClipPolicy clip, boolean clipping) {
        super(ctx);
        if (initialParams.length != range.length()) {
            throw new IllegalArgumentException("shard " + range.shard() + " expects " + range.length()
                    + " parameters, got " + initialParams.length);
        }
        this.ctx = ctx;
        this.range = range;
        this.params = initialParams.clone();
        this.optimizer = optimizer;
        this.clip = clip;
        this.clipping = clipping;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Gradient.class, this::onGradient)
                .onMessage(LocalModel.class, this::onLocalModel)
                .onMessage(Membership.class, this::onMembership)
                .onMessage(Commit.class, this::onCommit)
                .onMessage(NormPart.class, this::onNormPart)
                .onMessage(FetchParams.class, this::onFetchParams)
                .onMessage(GetState.class, this::onGetState)
                .onMessage(SnapshotTo.class, this::onSnapshotTo)
                .onMessage(Restore.class, this::onRestore)
                .onMessage(GetStats.class, this::onGetStats)
                .onSignal(PostStop.class, s -> onPostStop())
                .build();
    }

    private Behavior<Command> onGradient(Gradient g) {
        // A member's gradient is checked against its token now; a joiner's token comes with the
        // membership, so few of those are kept: a forger must not park many shard-sized arrays here.
        Long knownToken = tokens.get(g.workerId());
        if (g.generation() > generation && g.data().length == range.length()
                && (knownToken != null ? knownToken == g.token() && early.size() < 4096 : early.size() < 256)) {
            // Across nodes the new membership can arrive after a gradient of its first steps.
            early.add(g);
            reportHeld();
            return this;
        }
        if (workers.containsKey(g.workerId()) && !tokens.get(g.workerId()).equals(g.token())) {
            drop("gradient with a wrong token", "shard {} dropped a gradient as {} with a wrong token", range.shard(),
                    g.workerId());
            return this;
        }
        // A survivor's gradient of a step planned in an earlier generation still counts.
        if (!workers.containsKey(g.workerId()) || g.data().length != range.length() || g.step() < stepsApplied) {
            dropped++;
            DroppedMessages.dropped("gradient of an unknown sender, wrong size or applied step");
            ctx.getLog().debug("shard {} dropped gradient of {} step {} gen {} (now gen {}, applied {})", range.shard(),
                    g.workerId(), g.step(), g.generation(), generation, stepsApplied);
            return this;
        }
        pending.computeIfAbsent(g.step(), s -> new HashMap<>()).put(g.workerId(), g);
        reportHeld();
        if (g.snapshotAfter()) {
            snapshotAfter.put(g.step(), Boolean.TRUE);
        }
        coordinator.tell(new Coordinator.BucketArrived(g.step(), range.shard(), g.workerId(), shardToken));
        completeReadySteps();
        return this;
    }

    private Behavior<Command> onCommit(Commit c) {
        if (generation < 0 || c.token() != coordinatorToken) {
            drop("commit with a wrong token", "shard {} dropped a commit of step {} with a wrong token", range.shard(),
                    c.step());
            return this;
        }
        if (c.step() >= stepsApplied) {
            commits.put(c.step(), List.copyOf(c.contributors()));
            completeReadySteps();
            completeRounds();
        }
        return this;
    }

    private Behavior<Command> onMembership(Membership m) {
        if (generation >= 0 && m.coordinatorToken() != coordinatorToken) {
            drop("membership with a wrong token",
                    "shard {} dropped a membership (generation {}) with a wrong token", range.shard(), m.generation());
            return this;
        }
        if (m.generation() <= generation) {
            return this;
        }
        coordinatorToken = m.coordinatorToken();
        generation = m.generation();
        workerIds = List.copyOf(m.workerIds());
        workers = new LinkedHashMap<>(m.workers());
        peers = List.copyOf(m.aggregators());
        coordinator = m.coordinator();
        tokens = new HashMap<>(m.tokens());
        if (m.shardTokens() == null || range.shard() >= m.shardTokens().length) {
            throw new IllegalStateException("membership without a token for shard " + range.shard());
        }
        shardToken = m.shardTokens()[range.shard()];
        fetchesBeforeMembership.forEach(this::onFetchParams);
        fetchesBeforeMembership.clear();
        // What a lost worker sent stays until its step commits: the commit says whether it counts.
        java.util.List<Gradient> replay = new java.util.ArrayList<>(early);
        early.clear();
        reportHeld();
        replay.forEach(this::onGradient);
        completeRounds();
        return this;
    }

    /** Applies, in step order, every committed step whose contributors' gradients are all here. */
    private void completeReadySteps() {
        while (true) {
            long step = stepsApplied;
            List<String> contributors = commits.get(step);
            if (contributors == null || awaitingNorm.containsKey(step)) {
                return;
            }
            Map<String, Gradient> got = pending.getOrDefault(step, Map.of());
            if (!got.keySet().containsAll(contributors)) {
                // Not yet here; cannot happen for a step committed after this shard reported every contributor.
                return;
            }
            commits.remove(step);
            pending.remove(step);
            reportHeld();
            if (got.size() > contributors.size()) {
                ctx.getLog().info("shard {} step {}: left out {} of {} gradients (their workers were lost before "
                        + "every shard had theirs)", range.shard(), step, got.size() - contributors.size(), got.size());
            }
            if (contributors.isEmpty()) {
                // Nobody's share of the step survived: the parameters stay, the workers move on.
                stepsApplied = step + 1;
                sendParams(step);
                continue;
            }
            float[] avg = average(got, contributors);
            if (clipping) {
                awaitingNorm.put(step, avg);
                NormPart part = new NormPart(step, range.shard(), optimizer.gradSumSquares(avg));
                for (ActorRef<Command> p : peers) {
                    p.tell(part);
                }
                return;
            }
            apply(step, avg, 1f);
        }
    }

    private float[] average(Map<String, Gradient> got, List<String> contributors) {
        List<float[]> data = new ArrayList<>(contributors.size());
        long[] samples = new long[contributors.size()];
        for (int k = 0; k < contributors.size(); k++) {
            Gradient g = got.get(contributors.get(k));
            data.add(g.data());
            samples[k] = g.samples();
        }
        return WeightedMean.of(data, samples, range.length());
    }

    private Behavior<Command> onLocalModel(LocalModel m) {
        // As with gradients, a survivor's model of a round planned in an earlier generation still counts.
        if (m.generation() > generation || !workers.containsKey(m.workerId()) || m.data().length != range.length()
                || m.step() < stepsApplied || !tokens.get(m.workerId()).equals(m.token())) {
            dropped++;
            return this;
        }
        rounds.computeIfAbsent(m.step(), s -> new HashMap<>()).put(m.workerId(), m);
        coordinator.tell(new Coordinator.BucketArrived(m.step(), range.shard(), m.workerId(), shardToken));
        completeRounds();
        return this;
    }

    /**
     * Completes, in order, every local SGD round all live workers have sent: the shard becomes the
     * sample-weighted mean of their replicas (equal weights when nobody trained) and goes back to them.
     */
    private void completeRounds() {
        while (!rounds.isEmpty()) {
            long step = rounds.firstKey();
            List<String> contributors = commits.get(step);
            Map<String, LocalModel> got = rounds.firstEntry().getValue();
            if (contributors == null || !got.keySet().containsAll(contributors)) {
                return;
            }
            rounds.pollFirstEntry();
            // Steps between rounds commit too, with nothing to apply here.
            commits.headMap(step, true).clear();
            if (contributors.isEmpty()) {
                continue;
            }
            long t0 = System.nanoTime();
            List<float[]> data = new ArrayList<>(contributors.size());
            long[] samples = new long[contributors.size()];
            boolean snapshot = false;
            for (int k = 0; k < contributors.size(); k++) {
                LocalModel m = got.get(contributors.get(k));
                data.add(m.data());
                samples[k] = m.samples();
                snapshot |= m.snapshotAfter();
            }
            if (Arrays.stream(samples).sum() == 0) {
                Arrays.fill(samples, 1);
            }
            System.arraycopy(WeightedMean.of(data, samples, range.length()), 0, params, 0, params.length);
            stepsApplied = step + 1;
            lastUpdateMs = (System.nanoTime() - t0) / 1e6;
            sendParams(step);
            if (snapshot && snapshotSink != null) {
                snapshotSink.tell(state());
            }
        }
    }

    private Behavior<Command> onNormPart(NormPart p) {
        normParts.computeIfAbsent(p.step(), s -> new HashMap<>()).put(p.shard(), p.sumSquares());
        tryApplyClipped();
        return this;
    }

    private void tryApplyClipped() {
        Long step = stepsApplied;
        float[] avg = awaitingNorm.get(step);
        Map<Integer, Double> parts = normParts.get(step);
        if (avg == null || parts == null || parts.size() < peers.size()) {
            return;
        }
        double sq = 0;
        // Summed in shard order, so every shard computes the same norm bit for bit.
        for (int s = 0; s < peers.size(); s++) {
            sq += parts.getOrDefault(s, 0.0);
        }
        awaitingNorm.remove(step);
        normParts.remove(step);
        apply(step, avg, clip.scale(Math.sqrt(sq)));
        completeReadySteps();
    }

    private void apply(long step, float[] avg, float scale) {
        long t0 = System.nanoTime();
        optimizer.update(step, params, avg, scale);
        stepsApplied = step + 1;
        lastUpdateMs = (System.nanoTime() - t0) / 1e6;
        sendParams(step);
        if (snapshotAfter.remove(step) != null && snapshotSink != null) {
            snapshotSink.tell(state());
        }
    }

    /** The slice after {@code step}, to every worker of the current generation. */
    private void sendParams(long step) {
        WorkerActor.ShardParams out = new WorkerActor.ShardParams(step, range, params.clone(), shardToken);
        for (String id : workerIds) {
            workers.get(id).tell(out);
        }
    }

    private ShardState state() {
        float[] ema = optimizer.ema();
        return new ShardState(range.shard(), stepsApplied, params.clone(), optimizer.state(),
                ema == null ? null : ema.clone());
    }

    private Behavior<Command> onFetchParams(FetchParams f) {
        if (generation < 0) {
            if (fetchesBeforeMembership.size() < 1024) {
                fetchesBeforeMembership.add(f);
            }
            return this;
        }
        f.replyTo().tell(new WorkerActor.ShardParams(stepsApplied - 1, range, params.clone(), shardToken));
        return this;
    }

    private Behavior<Command> onGetState(GetState g) {
        g.replyTo().tell(state());
        return this;
    }

    private Behavior<Command> onSnapshotTo(SnapshotTo s) {
        snapshotSink = s.coordinator();
        return this;
    }

    private Behavior<Command> onRestore(Restore r) {
        ShardState s = r.state();
        if (s.params().length != range.length()) {
            throw new IllegalStateException("checkpoint shard " + s.shard() + " has " + s.params().length
                    + " parameters, this shard " + range.length());
        }
        System.arraycopy(s.params(), 0, params, 0, params.length);
        optimizer.restore(s.optimizer());
        stepsApplied = s.stepsApplied();
        pending.clear();
        rounds.clear();
        commits.clear();
        reportHeld();
        return this;
    }

    /** A refused message: counted in this shard's stats and the node's drops, and logged. */
    private void drop(String reason, String detail, Object... args) {
        dropped++;
        DroppedMessages.dropped(ctx.getLog(), reason, detail, args);
    }

    private void reportHeld() {
        int held = early.size();
        for (Map<String, Gradient> step : pending.values()) {
            held += step.size();
        }
        queues.depth(QueueDepths.Queue.GRADIENTS_HELD, held);
    }

    private Behavior<Command> onPostStop() {
        queues.close();
        return this;
    }

    private Behavior<Command> onGetStats(GetStats g) {
        g.replyTo().tell(new Stats(range.shard(), stepsApplied, dropped, lastUpdateMs));
        return this;
    }
}
