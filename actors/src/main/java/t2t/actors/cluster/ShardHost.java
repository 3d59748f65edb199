package t2t.actors.cluster;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import t2t.actors.AggregatorActor;
import t2t.actors.runtime.ShardRange;
import t2t.actors.telemetry.DroppedMessages;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The parameter shards of one job incarnation on one node (an {@code aggregator} node, or the job
 * manager's own node when the cluster has none): receives each shard's starting state in
 * {@link ShardPiece}s, runs an {@link AggregatorActor} on it with the optimizer built here from the
 * job's configuration, and tells the job manager where it runs. States asked for from another node
 * (checkpoints, moves) leave in pieces through a {@link ShardRelay}, because a whole shard state is
 * larger than one Artery frame.
 */
public final class ShardHost extends AbstractBehavior<ShardHost.Command> {
    public sealed interface Command {}

    /** One piece of the starting state of the shard {@code range}; the host reports to {@code replyTo}. */
    public record Put(ShardRange range, ShardPiece piece, ActorRef<JobManager.Command> replyTo) implements Command {}

    /** Stops one of this host's aggregators (its shard moved to another node). */
    public record Release(ActorRef<AggregatorActor.Command> aggregator) implements Command {}

    private final ActorContext<Command> ctx;
    private final String node;
    private final String incarnation;
    private final ClusterJobs.ShardSide side;
    private final ActorRef<ShardGather.Command> gather;
    /** Shards running in this JVM, over every host: the node's metrics read it. */
    private static final AtomicInteger HOSTED_HERE = new AtomicInteger();

    private final Map<Integer, ShardPiece.Assembly> incoming = new HashMap<>();
    private final Set<ActorRef<AggregatorActor.Command>> hosted = new HashSet<>();
    private int spawned;

    /** How many parameter shards this JVM runs now. */
    public static int hostedHere() {
        return HOSTED_HERE.get();
    }

    /**
     * {@code side} is built in the host's own setup (it may read the job's data to size the schedule),
     * off the agent's thread; when it cannot be built the host reports why to {@code replyTo} and stops.
     */
    public static Behavior<Command> create(String node, String incarnation, Supplier<ClusterJobs.ShardSide> side,
                                           ActorRef<ShardGather.Command> gather, ActorRef<JobManager.Command> replyTo) {
        return Behaviors.setup(ctx -> {
            ClusterJobs.ShardSide s;
            try {
                s = side.get();
            } catch (RuntimeException e) {
                ctx.getLog().error("{} cannot host parameter shards", node, e);
                replyTo.tell(new JobManager.ShardsFailed(node, incarnation,
                        e.getMessage() == null ? e.toString() : e.getMessage()));
                return Behaviors.stopped();
            }
            replyTo.tell(new JobManager.ShardHostUp(node, incarnation, ctx.getSelf()));
            return new ShardHost(ctx, node, incarnation, s, gather);
        });
    }

    private ShardHost(ActorContext<Command> ctx, String node, String incarnation, ClusterJobs.ShardSide side,
                      ActorRef<ShardGather.Command> gather) {
        super(ctx);
        this.ctx = ctx;
        this.node = node;
        this.incarnation = incarnation;
        this.side = side;
        this.gather = gather;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Put.class, this::onPut)
                .onMessage(Release.class, this::onRelease)
                .onSignal(Terminated.class, this::onAggregatorStopped)
                .onSignal(PostStop.class, s -> onPostStop())
                .build();
    }

    private Behavior<Command> onPut(Put p) {
        ShardRange r = p.range();
        if (p.piece().restore()) {
            ShardMoveEvents.observer().movedPieceArrived();
        }
        ShardPiece.Assembly a = incoming.computeIfAbsent(r.shard(), k -> new ShardPiece.Assembly());
        boolean whole;
        try {
            whole = a.add(p.piece());
        } catch (IllegalArgumentException e) {
            incoming.remove(r.shard());
            DroppedMessages.dropped(ctx.getLog(), "shard piece malformed", "{} dropped a piece of shard {}: {}", node,
                    r.shard(), e.getMessage());
            return this;
        }
        if (!whole) {
            return this;
        }
        incoming.remove(r.shard());
        AggregatorActor.ShardState state = a.state();
        Behavior<AggregatorActor.Command> aggregator = Behaviors.intercept(() -> new RemoteReplies(gather),
                AggregatorActor.create(r, state.params(), side.optimizers().apply(r), side.clip(), side.clipping()));
        ActorRef<AggregatorActor.Command> ref = ctx.spawn(
                Behaviors.supervise(aggregator).onFailure(SupervisorStrategy.stop()),
                "aggregator-" + r.shard() + "-" + (++spawned),
                DispatcherSelector.fromConfig("t2t.service-dispatcher"));
        ctx.watch(ref);
        hosted.add(ref);
        HOSTED_HERE.incrementAndGet();
        if (a.restore()) {
            // Before the job manager knows the shard, so before any gradient or membership reaches it.
            ref.tell(new AggregatorActor.Restore(state));
        }
        ctx.getLog().info("{} hosts shard {} ({} parameters, {} steps applied) for incarnation {}", node, r.shard(),
                r.length(), state.stepsApplied(), incarnation);
        p.replyTo().tell(new JobManager.ShardPlaced(node, incarnation, r.shard(), ref));
        if (a.restore()) {
            ShardMoveEvents.observer().movedShardPlaced();
        }
        return this;
    }

    private Behavior<Command> onRelease(Release r) {
        if (ctx.getChild(r.aggregator().path().name()).isPresent()) {
            ctx.stop(r.aggregator());
        }
        return this;
    }

    private Behavior<Command> onAggregatorStopped(Terminated t) {
        if (hosted.remove(t.getRef())) {
            HOSTED_HERE.decrementAndGet();
        }
        return this;
    }

    private Behavior<Command> onPostStop() {
        HOSTED_HERE.addAndGet(-hosted.size());
        hosted.clear();
        try {
            side.resources().close();
        } catch (Exception e) {
            ctx.getLog().warn("closing the shards' resources on {} failed: {}", node, e.toString());
        }
        return this;
    }

    /** Sends the aggregator's state answers to another node's asker through a relay, in pieces. */
    private static final class RemoteReplies
            extends BehaviorInterceptor<AggregatorActor.Command, AggregatorActor.Command> {
        private final ActorRef<ShardGather.Command> gather;

        RemoteReplies(ActorRef<ShardGather.Command> gather) {
            super(AggregatorActor.Command.class);
            this.gather = gather;
        }

        @Override
        public Behavior<AggregatorActor.Command> aroundReceive(TypedActorContext<AggregatorActor.Command> ctx,
                                                              AggregatorActor.Command msg,
                                                              ReceiveTarget<AggregatorActor.Command> target) {
            AggregatorActor.Command m = msg;
            if (msg instanceof AggregatorActor.SnapshotTo s && remote(s.coordinator())) {
                m = new AggregatorActor.SnapshotTo(ctx.asJava().spawnAnonymous(
                        ShardRelay.create(s.coordinator(), gather, false)));
            } else if (msg instanceof AggregatorActor.GetState g && remote(g.replyTo())) {
                m = new AggregatorActor.GetState(ctx.asJava().spawnAnonymous(
                        ShardRelay.create(g.replyTo(), gather, true)));
            }
            return target.apply(ctx, m);
        }

        private static boolean remote(ActorRef<?> ref) {
            return !ref.path().address().hasLocalScope();
        }
    }
}
