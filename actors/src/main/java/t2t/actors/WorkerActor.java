package t2t.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import t2t.actors.config.SyncMode;
import t2t.actors.runtime.Evaluator;
import t2t.actors.runtime.LocalSgd;
import t2t.actors.runtime.ShardRange;
import t2t.actors.runtime.StudentCompute;
import t2t.actors.runtime.TrainBatch;
import t2t.actors.telemetry.DroppedMessages;
import t2t.actors.telemetry.ExchangeTimes;
import t2t.actors.telemetry.QueueDepths;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * One per device. Holds a replica of the student; for each step it takes the prepared batch
 * (decoded, augmented, mixed and taught ahead of time), runs forward and backward, sends each
 * shard's slice of the gradient to that shard's aggregator, and installs the updated slices as
 * they come back. Runs on the compute dispatcher: its native work never blocks the default one.
 */
public final class WorkerActor extends AbstractBehavior<WorkerActor.Command> {

    public sealed interface Command {}

    /** The samples of one step for this worker. */
    public record Work(long step, long epoch, long generation, int rank, long[] sampleIds, int[] copies,
                       boolean snapshotAfter, boolean evalAfter, long token) implements Command {}

    /** Nothing more to train: finish what is in flight. */
    public record NoMoreWork(long token) implements Command {}

    /** A prepared batch (after the teacher when one is on). */
    public record BatchReady(Work work, TrainBatch batch) implements Command {}

    /** The batch of {@code work} could not be made; the job cannot go on without it. */
    public record BatchFailed(Work work, RuntimeException cause) implements Command {}

    /** A shard's parameters after the update of {@code step} (step -1: the initial parameters). */
    public record ShardParams(long step, ShardRange range, float[] data, long token) implements Command {}

    /**
     * The aggregators and the generation this worker trains in; this worker's token (what its
     * gradients and reports carry) and the shards' (what their parameters must carry).
     */
    public record Topology(long generation, List<ActorRef<AggregatorActor.Command>> aggregators, List<ShardRange> ranges,
                           long token, long[] shardTokens, long coordinatorToken) implements Command {}

    private final ActorContext<Command> ctx;
    private final String id;
    private final StudentCompute student;
    private final Evaluator evaluator;
    private final ActorRef<Coordinator.Command> coordinator;
    private final ActorRef<LoaderActor.Command> loaders;
    private final ActorRef<TeacherActor.Command> teacher;
    private final SyncMode sync;
    private final long seed;
    private final int prefetch;
    /** This worker's own optimizer in {@code local:H} mode; null otherwise. */
    private final LocalSgd local;

    private long generation = -1;
    private List<ActorRef<AggregatorActor.Command>> aggregators = List.of();
    private List<ShardRange> ranges = List.of();
    /** The shards in the order their gradient buckets are sent: last parameters first. */
    private List<ShardRange> bucketOrder = List.of();
    /** Parameter version: how many updates the local replica has installed. */
    private long version = -1;
    private final Map<Long, Integer> shardsArrived = new HashMap<>();
    private long token;
    private long[] shardTokens;
    /** The coordinator's token, from the first topology: later topologies and work must carry it. */
    private long coordinatorToken;
    /** Parameters that came before this worker knew the shards' tokens (across nodes, order is not kept). */
    private final List<ShardParams> paramsBeforeTopology = new ArrayList<>();
    private final TreeMap<Long, BatchReady> ready = new TreeMap<>();
    private final TreeMap<Long, Work> requested = new TreeMap<>();
    private boolean noMoreWork;
    private Work pendingEval;
    /** The whole gradient, for this worker's own optimizer in {@code local:H} mode; null otherwise. */
    private final float[] grad;
    /** When each step's last gradient bucket left, until its updated parameters are all installed. */
    private final TreeMap<Long, Long> exchangeSince = new TreeMap<>();
    private final QueueDepths.Owner queues = new QueueDepths.Owner();

    public static Behavior<Command> create(String id, Supplier<StudentCompute> student, Evaluator evaluator,
                                           ActorRef<Coordinator.Command> coordinator,
                                           ActorRef<LoaderActor.Command> loaders, ActorRef<TeacherActor.Command> teacher,
                                           SyncMode sync, long seed, int prefetch) {
        return create(id, student, evaluator, coordinator, loaders, teacher, sync, seed, prefetch, null);
    }

    /** As above; {@code local} makes this worker's own optimizer, required for {@code local:H}. */
    public static Behavior<Command> create(String id, Supplier<StudentCompute> student, Evaluator evaluator,
                                           ActorRef<Coordinator.Command> coordinator,
                                           ActorRef<LoaderActor.Command> loaders, ActorRef<TeacherActor.Command> teacher,
                                           SyncMode sync, long seed, int prefetch, Supplier<LocalSgd> local) {
        if (sync.kind() == SyncMode.Kind.LOCAL && local == null) {
            throw new IllegalArgumentException("--sync " + sync + " needs each worker's own optimizer");
        }
        return Behaviors.setup(ctx -> new WorkerActor(ctx, id, student.get(), evaluator, coordinator, loaders, teacher, sync, seed,
                prefetch, sync.kind() == SyncMode.Kind.LOCAL ? local.get() : null));
    }

    private WorkerActor(ActorContext<Command> ctx, String id, StudentCompute student, Evaluator evaluator,
                        ActorRef<Coordinator.Command> coordinator, ActorRef<LoaderActor.Command> loaders,
                        ActorRef<TeacherActor.Command> teacher, SyncMode sync, long seed, int prefetch, LocalSgd local) {
        super(ctx);
        this.local = local;
        this.ctx = ctx;
        this.id = id;
        this.student = student;
        this.evaluator = evaluator;
        this.coordinator = coordinator;
        this.loaders = loaders;
        this.teacher = teacher;
        this.sync = sync;
        this.seed = seed;
        this.prefetch = prefetch;
        this.grad = local == null ? null : new float[student.numParams()];
        coordinator.tell(new Coordinator.Register(id, ctx.getSelf(), student.numParams()));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Topology.class, this::onTopology)
                .onMessage(Work.class, this::onWork)
                .onMessage(BatchReady.class, this::onBatchReady)
                .onMessage(ShardParams.class, this::onShardParams)
                .onMessage(BatchFailed.class, f -> {
                    throw new IllegalStateException("the batch of step " + f.work().step() + " could not be made: "
                            + f.cause().getMessage(), f.cause());
                })
                .onMessage(NoMoreWork.class, this::onNoMoreWork)
                .onSignal(PostStop.class, s -> onPostStop())
                .build();
    }

    private Behavior<Command> onTopology(Topology t) {
        boolean first = generation < 0;
        if (!first && t.coordinatorToken() != coordinatorToken) {
            DroppedMessages.dropped(ctx.getLog(), "topology with a wrong token",
                    "{} dropped a topology (generation {}) with a wrong token", id, t.generation());
            return this;
        }
        coordinatorToken = t.coordinatorToken();
        generation = t.generation();
        aggregators = t.aggregators();
        ranges = t.ranges();
        bucketOrder = new ArrayList<>(ranges);
        Collections.reverse(bucketOrder);
        token = t.token();
        shardTokens = t.shardTokens().clone();
        List<ShardParams> early = new ArrayList<>(paramsBeforeTopology);
        paramsBeforeTopology.clear();
        early.forEach(this::onShardParams);
        if (first) {
            for (ActorRef<AggregatorActor.Command> a : aggregators) {
                a.tell(new AggregatorActor.FetchParams(ctx.getSelf()));
            }
            for (int i = 0; i < prefetch; i++) {
                coordinator.tell(new Coordinator.RequestWork(id, token));
            }
        }
        return this;
    }

    private Behavior<Command> onWork(Work w) {
        if (generation < 0 || w.token() != coordinatorToken) {
            DroppedMessages.dropped(ctx.getLog(), "work with a wrong token",
                    "{} dropped work for step {} with a wrong token", id, w.step());
            return this;
        }
        requested.put(w.step(), w);
        // Loading and teaching happen now, while earlier steps compute.
        loaders.tell(new LoaderActor.Load(w, ctx.getSelf(), teacher));
        reportQueues();
        return this;
    }

    private Behavior<Command> onBatchReady(BatchReady b) {
        if (b.work().generation() < generation && !requested.containsKey(b.work().step())) {
            return this;
        }
        ready.put(b.work().step(), b);
        runReadySteps();
        reportQueues();
        return this;
    }

    private Behavior<Command> onShardParams(ShardParams p) {
        ShardRange r = p.range();
        if (shardTokens == null) {
            if (paramsBeforeTopology.size() < 1024) {
                paramsBeforeTopology.add(p);
            }
            return this;
        }
        if (r.offset() < 0 || p.data().length != r.length() || (long) r.offset() + r.length() > student.numParams()) {
            // Parameters from another model or a forged message must not crash the replica.
            DroppedMessages.dropped(ctx.getLog(), "parameters outside the model",
                    "{} dropped parameters for [{}, +{}) of {} values", id, r.offset(), p.data().length,
                    student.numParams());
            return this;
        }
        if (r.shard() < 0 || r.shard() >= shardTokens.length || p.token() != shardTokens[r.shard()]) {
            // In range but not from the shard: a member that can reach this worker, not one of the job's shards.
            DroppedMessages.dropped(ctx.getLog(), "parameters with a wrong token",
                    "{} dropped parameters for shard {} with a wrong token", id, r.shard());
            return this;
        }
        student.writeParams(r.offset(), p.data());
        if (local != null) {
            local.install(r.offset(), p.data());
        }
        int n = shardsArrived.merge(p.step(), 1, Integer::sum);
        if (n == ranges.size()) {
            shardsArrived.remove(p.step());
            exchanged(p.step());
            version = Math.max(version, p.step() + 1);
            runReadySteps();
            reportQueues();
        }
        return this;
    }

    private Behavior<Command> onNoMoreWork(NoMoreWork m) {
        if (generation < 0 || m.token() != coordinatorToken) {
            // Forged, it would make this worker stop asking for work and stall the job.
            DroppedMessages.dropped(ctx.getLog(), "work with a wrong token",
                    "{} dropped a no-more-work with a wrong token", id);
            return this;
        }
        noMoreWork = true;
        maybeFinish();
        return this;
    }

    /** Runs every step whose batch is ready and whose parameters are fresh enough. */
    private void runReadySteps() {
        while (version >= 0) {
            if (pendingEval != null && version >= pendingEval.step() + 1) {
                evaluate(pendingEval);
                pendingEval = null;
            }
            if (ready.isEmpty()) {
                break;
            }
            BatchReady next = ready.firstEntry().getValue();
            long step = next.work().step();
            long staleness = sync.kind() == SyncMode.Kind.STALE ? sync.parameter() : 0;
            // Steps run in plan order. With staleness a later batch can be ready first; running it
            // early would let an evaluation after it wait for a step this worker has not run (a stall).
            boolean nextInOrder = requested.isEmpty() || step <= requested.firstKey();
            if (!nextInOrder || version < step - staleness || pendingEval != null) {
                break;
            }
            ready.pollFirstEntry();
            requested.remove(step);
            reportQueues();
            trainStep(next);
            if (!noMoreWork) {
                coordinator.tell(new Coordinator.RequestWork(id, token));
            }
        }
        maybeFinish();
    }

    /** One step: forward, loss, backward, gradient slices out. Parameters come back asynchronously. */
    private void trainStep(BatchReady b) {
        Work w = b.work();
        long t0 = System.nanoTime();
        // The noise seed depends on (seed, step, rank) only: a resumed run replays the same drop paths.
        long noiseSeed = seed * 1_000_003L + w.step() * 8191L + w.rank();
        StudentCompute.StepLoss loss;
        boolean bucketsSent = true;
        if (local != null) {
            loss = student.trainStep(b.batch(), noiseSeed, grad);
            bucketsSent = localStep(w, b.batch().size());
        } else {
            // Each shard's bucket leaves as soon as backward has finished it, last layers first as
            // DDP's buckets fire, so its aggregator averages and updates while the rest of backward runs.
            loss = student.trainStep(b.batch(), noiseSeed, bucketOrder, (r, slice) ->
                    aggregators.get(r.shard()).tell(new AggregatorActor.Gradient(w.step(), w.generation(), id, slice,
                            b.batch().size(), w.snapshotAfter(), token)));
        }
        long sent = System.nanoTime();
        double computeMs = (sent - t0) / 1e6;
        if (bucketsSent) {
            exchangeSince.put(w.step(), sent);
        }
        coordinator.tell(new Coordinator.StepDone(id, w.step(), w.epoch(), w.generation(), w.sampleIds(),
                b.batch().skippedIds(), loss, b.batch().size(), computeMs, bucketsSent, token));
        if (w.evalAfter()) {
            pendingEval = w;
        }
    }

    /**
     * Local SGD: this worker's own update; at a round's end its parameters go to the aggregators
     * and the next step waits for their average (the version advances when it arrives). Returns
     * whether the parameters went to the aggregators.
     */
    private boolean localStep(Work w, int samples) {
        if (!local.step(w.step(), grad, samples, w.snapshotAfter(), student)) {
            version = w.step() + 1;
            return false;
        }
        long weight = local.takeRoundSamples();
        float[] params = local.params();
        for (int s = 0; s < aggregators.size(); s++) {
            ShardRange r = ranges.get(s);
            float[] slice = new float[r.length()];
            System.arraycopy(params, r.offset(), slice, 0, r.length());
            aggregators.get(s).tell(new AggregatorActor.LocalModel(w.step(), w.generation(), id, slice, weight,
                    w.snapshotAfter(), token));
        }
        return true;
    }

    /** Every shard's update of {@code step} is installed: the exchange that began when its buckets left is over. */
    private void exchanged(long step) {
        Long since = exchangeSince.remove(step);
        if (since != null) {
            ExchangeTimes.exchanged((System.nanoTime() - since) / 1e9);
        }
        // Steps left out of a commit (a new generation) never come back: forget them.
        exchangeSince.headMap(step).clear();
    }

    private void reportQueues() {
        queues.depth(QueueDepths.Queue.BATCHES_LOADING, Math.max(0, requested.size() - ready.size()));
        queues.depth(QueueDepths.Queue.BATCHES_READY, ready.size());
    }

    private void evaluate(Work after) {
        long t0 = System.nanoTime();
        coordinator.tell(new Coordinator.EvalDone(after.step(), after.epoch(), evaluator.evaluate(student),
                (System.nanoTime() - t0) / 1e9, id, token));
    }

    private void maybeFinish() {
        if (noMoreWork && ready.isEmpty() && requested.isEmpty() && pendingEval == null) {
            coordinator.tell(new Coordinator.WorkerIdle(id, version, token));
        }
    }

    private Behavior<Command> onPostStop() {
        queues.close();
        student.close();
        return this;
    }
}
