package t2t.actors.cluster;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import t2t.actors.Coordinator;

import java.util.HashMap;

/**
 * One per worker or aggregator node, found by the job manager through the receptionist. Offers the
 * node's workers (and, on the aggregator role, to host parameter shards) and, when a job starts,
 * runs its worker side (loaders, teacher, one worker per device) and its {@link ShardHost} as
 * children. A new incarnation (the coordinator moved, or an aggregator node was lost, and the job
 * resumed from its checkpoint) replaces the old one's workers and shards.
 */
public final class NodeAgent extends AbstractBehavior<NodeAgent.Command> {
    public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "t2t-node-agent");

    public sealed interface Command {}

    /** Asks how many workers this node offers. */
    public record Describe(ActorRef<JobManager.Command> replyTo) implements Command {}

    /** Starts this node's workers of a job incarnation, registering with {@code coordinator}. */
    public record StartWorkers(String incarnation, HashMap<String, String> config, ActorRef<Coordinator.Command> coordinator,
                               ActorRef<JobManager.Command> replyTo) implements Command {}

    /** Stops the workers of an incarnation (the job ended). */
    public record StopJob(String incarnation) implements Command {}

    /**
     * Starts this node's shard host for a job incarnation; the host answers {@code replyTo} itself
     * ({@link JobManager.ShardHostUp}, or {@link JobManager.ShardsFailed}) and sends the states that
     * other nodes ask for to {@code gather}.
     */
    public record StartShards(String incarnation, HashMap<String, String> config, ActorRef<JobManager.Command> replyTo,
                              ActorRef<ShardGather.Command> gather) implements Command {}

    /** Stops the shards of an incarnation (the job ended or moved on to a new incarnation). */
    public record StopShards(String incarnation) implements Command {}

    private final ActorContext<Command> ctx;
    private final String node;
    private final int workers;
    private final boolean aggregator;
    private final ClusterJobs jobs;
    private String incarnation;
    private ActorRef<Void> current;
    private String shardsIncarnation;
    private ActorRef<ShardHost.Command> shards;
    private int sequence;

    public static Behavior<Command> create(String node, int workers, boolean aggregator, ClusterJobs jobs) {
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
            return new NodeAgent(ctx, node, workers, aggregator, jobs);
        });
    }

    private NodeAgent(ActorContext<Command> ctx, String node, int workers, boolean aggregator, ClusterJobs jobs) {
        super(ctx);
        this.ctx = ctx;
        this.node = node;
        this.workers = workers;
        this.aggregator = aggregator;
        this.jobs = jobs;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Describe.class, this::onDescribe)
                .onMessage(StartWorkers.class, this::onStart)
                .onMessage(StopJob.class, this::onStop)
                .onMessage(StartShards.class, this::onStartShards)
                .onMessage(StopShards.class, this::onStopShards)
                .build();
    }

    private Behavior<Command> onDescribe(Describe d) {
        d.replyTo().tell(new JobManager.WorkersOffered(node, ctx.getSelf(), workers, aggregator));
        return this;
    }

    private Behavior<Command> onStart(StartWorkers s) {
        if (s.incarnation().equals(incarnation)) {
            return this;
        }
        int replaced = 0;
        if (current != null) {
            ctx.getLog().warn("job incarnation {} replaces {} on {}: stopping its {} workers", s.incarnation(),
                    incarnation, node, workers);
            ctx.stop(current);
            replaced = workers;
        }
        incarnation = s.incarnation();
        current = ctx.spawn(NodeJob.create(node, workers, s.config(), s.coordinator(), jobs,
                        reason -> s.replyTo().tell(new JobManager.WorkersFailed(node, s.incarnation(), reason))),
                "job-" + (++sequence),
                DispatcherSelector.fromConfig("t2t.service-dispatcher"));
        s.replyTo().tell(new JobManager.WorkersStarted(node, s.incarnation(), workers, replaced));
        return this;
    }

    private Behavior<Command> onStop(StopJob s) {
        if (s.incarnation().equals(incarnation) && current != null) {
            ctx.stop(current);
            current = null;
            incarnation = null;
        }
        return this;
    }

    private Behavior<Command> onStartShards(StartShards s) {
        if (!aggregator || s.incarnation().equals(shardsIncarnation)) {
            return this;
        }
        ShardMoveEvents.observer().hostingAsked();
        if (shards != null) {
            ctx.getLog().info("job incarnation {} replaces {} on {}: stopping its shards", s.incarnation(),
                    shardsIncarnation, node);
            ctx.stop(shards);
        }
        shardsIncarnation = s.incarnation();
        HashMap<String, String> config = s.config();
        // Named under this agent, so that the shard pieces sent to it travel on the large-message lane.
        shards = ctx.spawn(ShardHost.create(node, s.incarnation(), () -> jobs.shardSide(config), s.gather(), s.replyTo()),
                "shards-" + (++sequence), DispatcherSelector.fromConfig("t2t.service-dispatcher"));
        return this;
    }

    private Behavior<Command> onStopShards(StopShards s) {
        if (s.incarnation().equals(shardsIncarnation) && shards != null) {
            ctx.stop(shards);
            shards = null;
            shardsIncarnation = null;
        }
        return this;
    }
}
