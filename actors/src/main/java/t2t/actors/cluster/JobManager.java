package t2t.actors.cluster;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;
import t2t.actors.AggregatorActor;
import t2t.actors.Coordinator;
import t2t.actors.LocalJob;
import t2t.actors.runtime.JobListener;
import t2t.actors.runtime.ShardRange;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The cluster singleton on the coordinator role: takes a submitted job, gathers the worker and
 * aggregator nodes, runs the job (its run folder, checkpoints and summary on this node) with the
 * coordinator as its child, places the parameter shards on the aggregator nodes and starts the
 * workers on the worker nodes, including nodes that join while it runs.
 *
 * <p>Shards: placed round-robin over the aggregator nodes known at the start (sorted by address),
 * each sent its parameters and, on a resume, its optimizer state; with no aggregator node the
 * shards run on this node. An aggregator node that joins a running job takes its share at the next
 * step boundary: the coordinator holds, the moving shards' states (parameters, moments, EMA, step)
 * come here and go to their new node, and training goes on from the same step, bit for bit as if
 * nothing had moved. An aggregator node that is lost takes shard state that exists nowhere else, so
 * the job resumes from its last checkpoint under a new incarnation, as when this node is lost.
 *
 * <p>A move is not done until every moved shard runs on its new node: until then the old copies
 * keep serving and keep their state. So when the joining node is lost at any point of its move
 * (before its shard host is up, while pieces travel, with some shards placed), or the move takes
 * longer than {@value #MOVE_TIMEOUT_KEY} (default {@link #DEFAULT_MOVE_TIMEOUT}), the move is
 * abandoned: the new copies stop, the coordinator goes on with the old ones from the step it held
 * at, nothing is resumed, and the node is not asked again in this job (a later aggregator node still
 * takes shards). An aggregator node lost before the first placement is done restarts the placement
 * without it.
 *
 * <p>It keeps nothing durable: when its node is lost the singleton starts on another coordinator
 * node, the client's next (periodic) submission reaches it, and the job resumes from the newest
 * checkpoint in the shared run folder under a new incarnation.
 */
public final class JobManager extends AbstractBehavior<JobManager.Command> {
    public static final String NAME = "job-manager";

    public sealed interface Command {}

    /** Submits (or asks after) a job; the client repeats it until the job is done. */
    public record Submit(String jobId, HashMap<String, String> config, int minWorkers, ActorRef<JobStatus> replyTo)
            implements Command {}

    /** {@code state}: waiting, running, done (detail: the summary JSON) or failed (detail: why). */
    public record JobStatus(String jobId, String state, String detail) {}

    /** A node's offer: {@code workers} workers, and whether it hosts parameter shards (the aggregator role). */
    public record WorkersOffered(String node, ActorRef<NodeAgent.Command> agent, int workers, boolean aggregator)
            implements Command {}

    public record WorkersStarted(String node, String incarnation, int workers, int replaced) implements Command {}

    /** A node could not start its workers (its data or teacher is missing, say): the job cannot start as planned. */
    public record WorkersFailed(String node, String incarnation, String reason) implements Command {}

    /** A node's shard host for an incarnation is ready for its shards. */
    public record ShardHostUp(String node, String incarnation, ActorRef<ShardHost.Command> host) implements Command {}

    /** A shard runs on {@code node}. */
    public record ShardPlaced(String node, String incarnation, int shard, ActorRef<AggregatorActor.Command> aggregator)
            implements Command {}

    /** A node could not host parameter shards (it cannot build the job's optimizer, say). */
    public record ShardsFailed(String node, String incarnation, String reason) implements Command {}

    private record AgentsChanged(Receptionist.Listing listing) implements Command {}

    private record Launch(LocalJob.Spec spec, JobListener listener, CompletableFuture<JobListener.JobResult> result)
            implements Command {}

    private record DriverDone(String summary, Throwable error) implements Command {}

    /** A shard (or a shard host before its shards were placed: shard -1) of an incarnation stopped. */
    private record ShardLost(String incarnation, String node, int shard) implements Command {}

    /** The coordinator holds at the boundary before {@code step}: shards may move. */
    private record AtStepBoundary(long step) implements Command {}

    /** The state of a shard about to move in move {@code move}, gathered at the step boundary. */
    private record Gathered(int move, AggregatorActor.ShardState state) implements Command {}

    /** The joining node of move {@code move} left the cluster (its node agent stopped). */
    private record MoveTargetLost(int move, String node) implements Command {}

    /** Move {@code move}'s backstop: if it still runs, it is abandoned. */
    private record MoveTimedOut(int move) implements Command {}

    /** An aggregator node: its agent and, once the incarnation's host is up there, that host. */
    private static final class Host {
        final String node;
        final ActorRef<NodeAgent.Command> agent;
        ActorRef<ShardHost.Command> ref;

        Host(String node, ActorRef<NodeAgent.Command> agent) {
            this.node = node;
            this.agent = agent;
        }
    }

    /** Why an incarnation is being replaced: the listener's failure that ends its driver. */
    private static final class Replaced extends IllegalStateException {
        Replaced(String why) {
            super(why);
        }
    }

    private final ActorContext<Command> ctx;
    private final ClusterJobs jobs;
    private final BiConsumer<String, String> failures;
    private final String self;
    private final ActorRef<ShardGather.Command> gather;
    private final String incarnationBase = UUID.randomUUID().toString().substring(0, 8);
    private final Map<ActorRef<NodeAgent.Command>, WorkersOffered> offers = new LinkedHashMap<>();
    private final Map<ActorRef<NodeAgent.Command>, String> started = new LinkedHashMap<>();
    private Set<ActorRef<NodeAgent.Command>> agents = Set.of();

    private String jobId;
    private HashMap<String, String> jobConfig;
    private String state;
    private String detail = "";
    private String incarnation;
    private int minWorkers;
    private int runs;
    /** Workers of an earlier incarnation that the node agents replaced (the coordinator or a shard moved). */
    private int replacedWorkers;
    private ActorRef<Coordinator.Command> coordinator;
    private LocalJob.CompletingListener listener;
    /** Set when the running incarnation is being replaced after a shard loss: its driver's end restarts the job. */
    private String replacing;

    // The incarnation's shards.
    private LocalJob.Spec spec;
    private List<ShardRange> ranges = List.of();
    /** The aggregator nodes of the incarnation, in placement order (round-robin: shard s on hosts[s % n]). */
    private final List<Host> hosts = new ArrayList<>();
    /** This node's own host, when the cluster has no aggregator node. */
    private ActorRef<ShardHost.Command> localHost;
    private ActorRef<AggregatorActor.Command>[] shardRefs;
    private Host[] shardHosts;
    private List<AggregatorActor.ShardState> startStates;
    private int placed;
    /** Shards moved to a joining aggregator node, over the job's incarnations. */
    private int shardsMoved;
    /** Where the shards ran at the end of the last incarnation (node to shards), for the summary. */
    private Map<String, List<Integer>> lastPlacement = Map.of();

    // A move in progress. Until it finishes, shardHosts and shardRefs keep naming the old copies,
    // which stay alive: abandoning the move only has to stop the new ones.
    private boolean moving;
    private int moveId;
    private Host joiner;
    private long moveStartedNanos;
    private Host[] moveTo;
    /** Receives move {@code moveId}'s gathered states (tagged with the move, so a late one of an older move is known). */
    private ActorRef<AggregatorActor.ShardState> moveSink;
    /** Shards that move: their state was asked for, and they are not placed on their new node yet. */
    private final java.util.Set<Integer> toPlace = new java.util.HashSet<>();
    /** Moving shards whose state went out to their new node. */
    private final java.util.Set<Integer> sentTo = new java.util.HashSet<>();
    /** Shard to its new copy, once placed; the old copy stays in shardRefs until the move finishes. */
    private final Map<Integer, ActorRef<AggregatorActor.Command>> movedTo = new HashMap<>();
    private int movingShards;
    /** A hold was asked for and its answer is not in yet. */
    private boolean holdAsked;
    /** The step the coordinator holds before for us, or -1. */
    private long heldAt = -1;
    /** Aggregator nodes whose move was abandoned: not asked again in this job. */
    private final java.util.Set<ActorRef<NodeAgent.Command>> refused = new java.util.HashSet<>();
    private int movesAbandoned;
    /**
     * Copies an abandoned move sent to nodes that stay (node#shard to how many): their placements are
     * still to come, and must not pass for those of a later move of the same shard to the same node.
     * A host handles one sender's pieces in order, so they come before any later placement from it.
     */
    private final Map<String, Integer> staleCopies = new HashMap<>();
    private final java.time.Duration moveTimeout;

    /** How long a shard move may take before it is abandoned (a Pekko config path; JVM -D works too). */
    public static final String MOVE_TIMEOUT_KEY = "t2t.cluster.shard-move-timeout";
    /**
     * Default: room for a T2T-ViT-14-sized move (83 shards, about 350 MB of state) on a slow
     * network, plus a new node's shard host reading the data set and a long step before the hold.
     */
    public static final java.time.Duration DEFAULT_MOVE_TIMEOUT = java.time.Duration.ofMinutes(5);

    public static Behavior<Command> create(ClusterJobs jobs, BiConsumer<String, String> failures) {
        return Behaviors.setup(ctx -> new JobManager(ctx, jobs, failures));
    }

    private JobManager(ActorContext<Command> ctx, ClusterJobs jobs, BiConsumer<String, String> failures) {
        super(ctx);
        this.ctx = ctx;
        this.jobs = jobs;
        this.failures = failures;
        this.self = MembershipLog.hostPort(Cluster.get(ctx.getSystem()).selfMember().address());
        this.gather = ctx.spawn(ShardGather.create(), "gather");
        com.typesafe.config.Config config = ctx.getSystem().settings().config();
        this.moveTimeout = config.hasPath(MOVE_TIMEOUT_KEY) ? config.getDuration(MOVE_TIMEOUT_KEY) : DEFAULT_MOVE_TIMEOUT;
        ActorRef<Receptionist.Listing> adapter = ctx.messageAdapter(Receptionist.Listing.class, AgentsChanged::new);
        ctx.getSystem().receptionist().tell(Receptionist.subscribe(NodeAgent.KEY, adapter));
        ctx.getLog().info("job manager up at {}", ctx.getSelf().path());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Submit.class, this::onSubmit)
                .onMessage(AgentsChanged.class, this::onAgentsChanged)
                .onMessage(WorkersOffered.class, this::onOffered)
                .onMessage(WorkersStarted.class, this::onStarted)
                .onMessage(WorkersFailed.class, this::onWorkersFailed)
                .onMessage(Launch.class, this::onLaunch)
                .onMessage(ShardHostUp.class, this::onShardHostUp)
                .onMessage(ShardPlaced.class, this::onShardPlaced)
                .onMessage(ShardsFailed.class, this::onShardsFailed)
                .onMessage(ShardLost.class, this::onShardLost)
                .onMessage(AtStepBoundary.class, this::onAtStepBoundary)
                .onMessage(Gathered.class, this::onGathered)
                .onMessage(MoveTargetLost.class, this::onMoveTargetLost)
                .onMessage(MoveTimedOut.class, this::onMoveTimedOut)
                .onMessage(DriverDone.class, this::onDriverDone)
                .onSignal(Terminated.class, this::onTerminated)
                .build();
    }

    private Behavior<Command> onSubmit(Submit s) {
        if (jobId != null && !jobId.equals(s.jobId()) && "running".equals(state)) {
            s.replyTo().tell(new JobStatus(s.jobId(), "failed", "the cluster is running job " + jobId
                    + "; submit again when it is done"));
            return this;
        }
        if (jobId == null || !jobId.equals(s.jobId())) {
            jobId = s.jobId();
            jobConfig = s.config();
            state = "waiting";
            detail = "waiting for " + s.minWorkers() + " workers";
            minWorkers = s.minWorkers();
            replacedWorkers = 0;
            shardsMoved = 0;
            movesAbandoned = 0;
            refused.clear();
            offers.clear();
        }
        if ("waiting".equals(state)) {
            for (ActorRef<NodeAgent.Command> a : agents) {
                if (!offers.containsKey(a)) {
                    a.tell(new NodeAgent.Describe(ctx.getSelf()));
                }
            }
            startWhenOffered();
        }
        s.replyTo().tell(new JobStatus(jobId, state, detail));
        return this;
    }

    private Behavior<Command> onAgentsChanged(AgentsChanged c) {
        agents = c.listing().getServiceInstances(NodeAgent.KEY);
        offers.keySet().retainAll(agents);
        if ("running".equals(state)) {
            for (ActorRef<NodeAgent.Command> a : agents) {
                if (!started.containsKey(a) && hosts.stream().noneMatch(h -> h.agent.equals(a))) {
                    a.tell(new NodeAgent.Describe(ctx.getSelf()));
                }
            }
        }
        return this;
    }

    private int offeredWorkers() {
        return offers.values().stream().mapToInt(WorkersOffered::workers).sum();
    }

    private Behavior<Command> onOffered(WorkersOffered o) {
        if (!agents.contains(o.agent())) {
            return this;
        }
        offers.put(o.agent(), o);
        if ("waiting".equals(state)) {
            startWhenOffered();
        } else if ("running".equals(state) && coordinator != null) {
            if (!started.containsKey(o.agent()) && o.workers() > 0) {
                ctx.getLog().info("node {} joins the running job with {} workers", o.node(), o.workers());
                startWorkers(o.agent());
            }
            if (o.aggregator() && !moving && placed == ranges.size() && !refused.contains(o.agent())
                    && hosts.stream().noneMatch(h -> o.agent().equals(h.agent))) {
                beginMove(o);
            }
        }
        return this;
    }

    /** Every known node answers first, so that the aggregator nodes among them get their shards from the start. */
    private void startWhenOffered() {
        if (offeredWorkers() >= Math.max(1, minWorkers) && offers.keySet().containsAll(agents)) {
            startDriver(offeredWorkers());
        } else {
            detail = "waiting for " + Math.max(1, minWorkers) + " workers: " + offeredWorkers() + " offered by "
                    + offers.size() + " of " + agents.size() + " nodes (start more with ./t2t node, or lower --min-workers)";
        }
    }

    /** Runs the job's driver (run folder, listener, summary) off the actor's thread; it launches back here. */
    private void startDriver(int totalWorkers) {
        state = "running";
        incarnation = incarnationBase + "-" + (++runs);
        detail = "running on " + totalWorkers + " workers (incarnation " + incarnation + ")";
        HashMap<String, String> cfg = new HashMap<>(jobConfig);
        cfg.put("workers", Integer.toString(totalWorkers));
        cfg.put("resume", "auto");
        jobConfig = cfg;
        ActorRef<Command> me = ctx.getSelf();
        JobLauncher launcher = (spec, l) -> {
            CompletableFuture<JobListener.JobResult> f = new CompletableFuture<>();
            me.tell(new Launch(spec, l, f));
            return f;
        };
        Thread t = new Thread(() -> {
            try {
                me.tell(new DriverDone(jobs.run(cfg, launcher), null));
            } catch (Throwable e) {
                me.tell(new DriverDone(null, e));
            }
        }, "t2t-job-" + incarnation);
        t.setDaemon(true);
        t.start();
        ctx.getLog().info("job {} starts: {}", jobId, detail);
    }

    /** Places the shards (their hosts first), then starts the coordinator and the workers. */
    private Behavior<Command> onLaunch(Launch l) {
        spec = l.spec();
        listener = new LocalJob.CompletingListener(l.listener(), l.result());
        ranges = ShardLayout.ranges(spec.initialParams().length, spec.shards());
        startStates = spec.restoredShards() == null ? null : ShardLayout.reshard(spec.restoredShards(), ranges);
        @SuppressWarnings("unchecked")
        ActorRef<AggregatorActor.Command>[] refs = new ActorRef[ranges.size()];
        shardRefs = refs;
        shardHosts = new Host[ranges.size()];
        placed = 0;
        hosts.clear();
        offers.values().stream().filter(o -> o.aggregator() && !refused.contains(o.agent()))
                .sorted((a, b) -> a.node().compareTo(b.node()))
                .forEach(o -> hosts.add(new Host(o.node(), o.agent())));
        if (hosts.isEmpty()) {
            ctx.getLog().info("no aggregator node in the cluster: the {} shards run on this node", ranges.size());
            Host here = new Host(self, null);
            hosts.add(here);
            ClusterJobs.ShardSide side = new ClusterJobs.ShardSide(spec.optimizers(), spec.clip(), spec.clipping(),
                    () -> { });
            localHost = ctx.spawn(ShardHost.create(self, incarnation, () -> side, gather, ctx.getSelf()),
                    "shards-" + incarnation, DispatcherSelector.fromConfig("t2t.service-dispatcher"));
            ctx.watchWith(localHost, new ShardLost(incarnation, self, -1));
        } else {
            for (Host h : hosts) {
                // A node that dies before its shard host is up would otherwise leave the placement waiting forever.
                ctx.unwatch(h.agent);
                ctx.watchWith(h.agent, new ShardLost(incarnation, h.node, -1));
                h.agent.tell(new NodeAgent.StartShards(incarnation, jobConfig, ctx.getSelf(), gather));
            }
        }
        return this;
    }

    private Behavior<Command> onShardHostUp(ShardHostUp up) {
        if (!up.incarnation().equals(incarnation)) {
            return this;
        }
        Host host = null;
        for (Host h : moving ? Arrays.asList(moveTo) : hosts) {
            if (h.node.equals(up.node())) {
                host = h;
            }
        }
        if (moving && joiner.node.equals(up.node())) {
            host = joiner; // also when it gets no shard (more aggregator nodes than shards)
        }
        if (host == null || host.ref != null) {
            return this;
        }
        host.ref = up.host();
        ctx.watchWith(up.host(), new ShardLost(incarnation, up.node(), -1));
        if (moving) {
            continueMove();
        } else if (hosts.stream().allMatch(h -> h.ref != null)) {
            for (int s = 0; s < ranges.size(); s++) {
                ShardRange r = ranges.get(s);
                AggregatorActor.ShardState start = startStates != null ? startStates.get(s)
                        : new AggregatorActor.ShardState(s, spec.settings().startStep(),
                        Arrays.copyOfRange(spec.initialParams(), r.offset(), r.end()), Map.of(), null);
                send(hosts.get(s % hosts.size()), r, start, startStates != null);
            }
            startStates = null;
        }
        return this;
    }

    private void send(Host to, ShardRange r, AggregatorActor.ShardState state, boolean restore) {
        if (!moving) {
            shardHosts[r.shard()] = to;
        }
        for (ShardPiece p : ShardPiece.split(state, restore)) {
            to.ref.tell(new ShardHost.Put(r, p, ctx.getSelf()));
        }
    }

    private Behavior<Command> onShardPlaced(ShardPlaced p) {
        if (!p.incarnation().equals(incarnation) || shardRefs == null) {
            return this;
        }
        int s = p.shard();
        if (s < 0 || s >= shardRefs.length) {
            return this;
        }
        if (stale(p.node(), s)) {
            releaseStray(p.node(), p.aggregator());
            return this;
        }
        if (moving && sentTo.contains(s) && toPlace.contains(s) && moveTo[s].node.equals(p.node())) {
            movedTo.put(s, p.aggregator());
            ctx.watchWith(p.aggregator(), new ShardLost(incarnation, p.node(), s));
            toPlace.remove(s);
            if (toPlace.isEmpty()) {
                finishMove();
            }
            return this;
        }
        if (coordinator != null || moving || shardRefs[s] != null) {
            // A copy of an abandoned move that was already on its way: it never served, so it goes.
            releaseStray(p.node(), p.aggregator());
            return this;
        }
        shardRefs[s] = p.aggregator();
        ctx.watchWith(p.aggregator(), new ShardLost(incarnation, p.node(), s));
        if (++placed < ranges.size()) {
            return this;
        }
        ctx.getLog().info("job {} incarnation {}: {}", jobId, incarnation, placement());
        for (Host h : hosts) {
            if (h.agent != null) {
                ctx.unwatch(h.agent); // from here on their shard hosts and shards are watched
            }
        }
        DispatcherSelector service = DispatcherSelector.fromConfig("t2t.service-dispatcher");
        coordinator = ctx.spawn(Coordinator.create(spec.settings(), spec.plan(), listener,
                new ArrayList<>(Arrays.asList(shardRefs)), ranges), "coordinator-" + incarnation, service);
        ctx.watch(coordinator);
        for (Map.Entry<ActorRef<NodeAgent.Command>, WorkersOffered> e : offers.entrySet()) {
            if (e.getValue().workers() > 0) {
                startWorkers(e.getKey());
            }
        }
        moveToNewAggregatorNodes();
        return this;
    }

    /** True (and counted off) when this placement is one that an abandoned move left on its way. */
    private boolean stale(String node, int shard) {
        String key = node + "#" + shard;
        Integer n = staleCopies.get(key);
        if (n == null) {
            return false;
        }
        if (n == 1) {
            staleCopies.remove(key);
        } else {
            staleCopies.put(key, n - 1);
        }
        return true;
    }

    private void releaseStray(String node, ActorRef<AggregatorActor.Command> aggregator) {
        for (Host h : hosts) {
            if (h.node.equals(node) && h.ref != null) {
                h.ref.tell(new ShardHost.Release(aggregator));
            }
        }
    }

    /** Starts a move when an aggregator node offered itself after the shards were placed. */
    private void moveToNewAggregatorNodes() {
        for (WorkersOffered o : offers.values()) {
            if (o.aggregator() && !refused.contains(o.agent())
                    && hosts.stream().noneMatch(h -> h.agent != null && h.agent.equals(o.agent()))) {
                beginMove(o);
                return;
            }
        }
    }

    /** Which node holds which shards, for the log (and the summary). */
    private String placement() {
        Map<String, List<Integer>> byNode = new TreeMap<>();
        for (int s = 0; s < shardHosts.length; s++) {
            byNode.computeIfAbsent(shardHosts[s].node, k -> new ArrayList<>()).add(s);
        }
        lastPlacement = byNode;
        StringBuilder b = new StringBuilder();
        byNode.forEach((node, shards) -> b.append(b.length() == 0 ? "" : "; ").append("shards ").append(shards)
                .append(" on ").append(node));
        return b.toString();
    }

    private Behavior<Command> onShardsFailed(ShardsFailed f) {
        if (moving && f.incarnation().equals(incarnation) && joiner.node.equals(f.node())) {
            abandonMove("it could not host parameter shards: " + f.reason(), false);
            return this;
        }
        if (listener != null && f.incarnation().equals(incarnation)) {
            listener.onFailure(new IllegalStateException("node " + f.node() + " could not host parameter shards: "
                    + f.reason()));
        }
        return this;
    }

    /**
     * A shard's state existed only on its node: the incarnation ends and the job resumes from its last
     * checkpoint (exact accounting comes with it), as when the coordinator's node is lost.
     */
    private Behavior<Command> onShardLost(ShardLost l) {
        if (!l.incarnation().equals(incarnation) || listener == null || replacing != null
                || !"running".equals(state)) {
            return this;
        }
        List<Integer> lost = new ArrayList<>();
        for (int s = 0; s < shardHosts.length; s++) {
            if (shardHosts[s] != null && shardHosts[s].node.equals(l.node())) {
                lost.add(s);
            }
        }
        if (moving && joiner.node.equals(l.node())) {
            // Only new copies ran there: the old ones still hold every shard's state.
            abandonMove("the node was lost", true);
            return this;
        }
        if (l.shard() >= 0 && !lost.contains(l.shard())) {
            return this; // a shard that had moved away, or a new copy of a move in progress on a live node
        }
        if (lost.isEmpty() && coordinator != null) {
            hosts.removeIf(h -> h.node.equals(l.node()));
            ctx.getLog().info("aggregator node {} left; it held no shards of incarnation {}", l.node(), incarnation);
            return this;
        }
        // Lost while the shards were being placed: the placement waited for it, so it starts again without it.
        String why = lost.isEmpty() ? "aggregator node " + l.node() + " lost before its shards were placed"
                : "aggregator node " + l.node() + " lost with shards " + lost;
        ctx.getLog().warn("{}: incarnation {} ends; the job resumes from its last checkpoint", why, incarnation);
        failures.accept(l.node(), lost.isEmpty() ? "lost before its shards were placed" : "lost its parameter shards");
        offers.entrySet().removeIf(e -> e.getValue().node().equals(l.node()));
        started.entrySet().removeIf(e -> !offers.containsKey(e.getKey()));
        replacing = incarnation;
        if (coordinator != null) {
            // Stops the incarnation's steps now; its workers idle until the next incarnation replaces them.
            ctx.unwatch(coordinator);
            ctx.stop(coordinator);
            coordinator = null;
        }
        listener.onFailure(new Replaced(why));
        return this;
    }

    private void startWorkers(ActorRef<NodeAgent.Command> agent) {
        started.put(agent, incarnation);
        agent.tell(new NodeAgent.StartWorkers(incarnation, jobConfig, coordinator, ctx.getSelf()));
    }

    /** An aggregator node joined: it takes its round-robin share of the shards at the next step boundary. */
    private void beginMove(WorkersOffered o) {
        List<Host> next = new ArrayList<>();
        for (Host h : hosts) {
            if (h.agent != null) {
                next.add(h);
            }
        }
        joiner = new Host(o.node(), o.agent());
        next.add(joiner);
        moving = true;
        int move = ++moveId;
        moveStartedNanos = System.nanoTime();
        moveTo = new Host[ranges.size()];
        for (int s = 0; s < moveTo.length; s++) {
            moveTo[s] = next.get(s % next.size());
        }
        ActorRef<Command> me = ctx.getSelf();
        moveSink = ctx.spawnAnonymous(Behaviors.receive(AggregatorActor.ShardState.class)
                .onAnyMessage(st -> {
                    me.tell(new Gathered(move, st));
                    return Behaviors.same();
                }).build());
        // Its node agent's end is the earliest sign that the joiner is gone, whatever the move's stage.
        ctx.unwatch(o.agent());
        ctx.watchWith(o.agent(), new MoveTargetLost(move, o.node()));
        ctx.scheduleOnce(moveTimeout, ctx.getSelf(), new MoveTimedOut(move));
        ctx.getLog().info("aggregator node {} joins: shards move at the next step boundary", o.node());
        o.agent().tell(new NodeAgent.StartShards(incarnation, jobConfig, ctx.getSelf(), gather));
    }

    /** Once the new hosts are up, holds the coordinator at the next step boundary (or gathers, if it holds). */
    private void continueMove() {
        if (joiner.ref == null) {
            return;
        }
        for (Host h : moveTo) {
            if (h.ref == null) {
                return;
            }
        }
        if (heldAt >= 0) {
            gatherMoving();
        } else if (!holdAsked) {
            holdAsked = true;
            coordinator.tell(new Coordinator.HoldAtStepBoundary(ctx.messageAdapter(Long.class, AtStepBoundary::new)));
        }
    }

    private Behavior<Command> onAtStepBoundary(AtStepBoundary b) {
        if (!holdAsked || coordinator == null) {
            return this;
        }
        holdAsked = false;
        heldAt = b.step();
        if (!moving) {
            // The move was abandoned while the hold was on its way: let the coordinator go on.
            release("shard move abandoned");
            moveToNewAggregatorNodes();
        } else {
            continueMove();
        }
        return this;
    }

    /** The coordinator holds: asks every moving shard for its state. */
    private void gatherMoving() {
        if (!toPlace.isEmpty() || movingShards > 0) {
            return;
        }
        for (int s = 0; s < moveTo.length; s++) {
            if (moveTo[s] != shardHosts[s]) {
                toPlace.add(s);
                shardRefs[s].tell(new AggregatorActor.GetState(moveSink));
            }
        }
        movingShards = toPlace.size();
        ctx.getLog().info("coordinator holds before step {}: {} shards move", heldAt, movingShards);
        if (toPlace.isEmpty()) {
            finishMove();
        }
    }

    private Behavior<Command> onGathered(Gathered g) {
        int s = g.state().shard();
        if (!moving || g.move() != moveId || !toPlace.contains(s) || !sentTo.add(s)) {
            return this;
        }
        send(moveTo[s], ranges.get(s), g.state(), true);
        return this;
    }

    private Behavior<Command> onMoveTargetLost(MoveTargetLost l) {
        if (moving && l.move() == moveId) {
            abandonMove("the node was lost", true);
        }
        return this;
    }

    private Behavior<Command> onMoveTimedOut(MoveTimedOut t) {
        if (moving && t.move() == moveId) {
            abandonMove("it did not finish within " + moveTimeout.toSeconds() + " s (" + MOVE_TIMEOUT_KEY + ")", false);
        }
        return this;
    }

    /**
     * The joining node died, or the move took too long: the old copies, which still run and hold every
     * shard's state of the held step, stay; the new copies stop; the coordinator goes on. The node is
     * not asked again in this job; a later aggregator node still takes shards.
     */
    private void abandonMove(String why, boolean lost) {
        Host j = joiner;
        double s = (System.nanoTime() - moveStartedNanos) / 1e9;
        movesAbandoned++;
        ctx.getLog().warn("shard move to aggregator node {} abandoned after {} s: {}; {} shards stay where they were"
                        + " and training goes on", j.node, String.format("%.1f", s), why,
                movingShards > 0 ? Integer.toString(movingShards) : "all");
        failures.accept(j.node, "shard move abandoned");
        movedTo.forEach((shard, copy) -> {
            ctx.unwatch(copy);
            if (moveTo[shard] != j && moveTo[shard].ref != null) {
                moveTo[shard].ref.tell(new ShardHost.Release(copy));
            }
        });
        for (int shard : sentTo) {
            if (!movedTo.containsKey(shard) && moveTo[shard] != j) {
                staleCopies.merge(moveTo[shard].node + "#" + shard, 1, Integer::sum);
            }
        }
        if (j.ref != null) {
            ctx.unwatch(j.ref);
        }
        ctx.unwatch(j.agent);
        j.agent.tell(new NodeAgent.StopShards(incarnation));
        refused.add(j.agent);
        if (lost) {
            offers.remove(j.agent);
        }
        endMove();
        if (heldAt >= 0) {
            release("shard move to " + j.node + " abandoned");
        }
        if (!holdAsked) {
            moveToNewAggregatorNodes();
        }
    }

    private void endMove() {
        moving = false;
        moveTo = null;
        joiner = null;
        toPlace.clear();
        sentTo.clear();
        movedTo.clear();
        movingShards = 0;
        if (moveSink != null) {
            ctx.stop(moveSink);
            moveSink = null;
        }
    }

    /** Lets the held coordinator go on with the shards in {@code shardRefs}. */
    private void release(String reason) {
        heldAt = -1;
        coordinator.tell(new Coordinator.ShardsMoved(new ArrayList<>(Arrays.asList(shardRefs)), reason));
    }

    /** Every moved shard runs on its new node: stop the old copies and let the coordinator go on. */
    private void finishMove() {
        Set<Host> before = new java.util.HashSet<>(hosts);
        movedTo.forEach((shard, copy) -> {
            ActorRef<AggregatorActor.Command> old = shardRefs[shard];
            ctx.unwatch(old);
            for (Host h : before) {
                if (h.ref != null) {
                    h.ref.tell(new ShardHost.Release(old));
                }
            }
            shardRefs[shard] = copy;
        });
        shardsMoved += movedTo.size();
        ctx.unwatch(joiner.agent);
        hosts.clear();
        for (Host h : moveTo) {
            if (!hosts.contains(h)) {
                hosts.add(h);
            }
        }
        if (!hosts.contains(joiner)) {
            hosts.add(joiner); // it got no shard (more hosts than shards): it must not be asked again
        }
        for (Host h : before) {
            if (!hosts.contains(h) && h.ref != null) {
                ctx.unwatch(h.ref);
                ctx.stop(h.ref); // only this node's own host can leave the set: the first aggregator node joined
                localHost = null;
            }
        }
        shardHosts = moveTo.clone();
        double s = (System.nanoTime() - moveStartedNanos) / 1e9;
        endMove();
        String where = placement();
        ctx.getLog().info("job {} incarnation {}: shards moved in {} s: {}", jobId, incarnation,
                String.format("%.1f", s), where);
        release("shards moved (" + where + ")");
        moveToNewAggregatorNodes();
    }

    private Behavior<Command> onStarted(WorkersStarted s) {
        replacedWorkers += s.replaced();
        ctx.getLog().info("{} started {} workers for incarnation {}{}", s.node(), s.workers(), s.incarnation(),
                s.replaced() > 0 ? " (replacing " + s.replaced() + " of an earlier incarnation)" : "");
        return this;
    }

    private Behavior<Command> onWorkersFailed(WorkersFailed f) {
        if (listener != null && f.incarnation().equals(incarnation)) {
            listener.onFailure(new IllegalStateException("node " + f.node() + " could not start its workers: "
                    + f.reason()));
        }
        return this;
    }

    private Behavior<Command> onTerminated(Terminated t) {
        if (listener != null && "running".equals(state) && replacing == null) {
            listener.onFailure(new IllegalStateException(t.getRef().path().name()
                    + " stopped unexpectedly; see the coordinator node's log"));
        }
        return this;
    }

    /**
     * The summary with the workers this incarnation replaced counted as restarted, where the shards
     * ran at the end ({@code shard_placement}: node to shards) and how many moved to joining nodes.
     */
    private String withClusterCounters(String summary) {
        try {
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.node.ObjectNode o =
                    (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(summary);
            if (replacedWorkers > 0) {
                o.put("workers_restarted", o.path("workers_restarted").asLong() + replacedWorkers);
            }
            o.set("shard_placement", json.valueToTree(lastPlacement));
            o.put("shards_moved", shardsMoved);
            o.put("shard_moves_abandoned", movesAbandoned);
            return json.writeValueAsString(o);
        } catch (java.io.IOException | ClassCastException e) {
            return summary;
        }
    }

    private Behavior<Command> onDriverDone(DriverDone d) {
        boolean restart = replacing != null && d.error() != null;
        replacing = null;
        stopShards();
        if (coordinator != null) {
            ctx.unwatch(coordinator);
            ctx.stop(coordinator);
            coordinator = null;
        }
        listener = null;
        if (restart) {
            // The workers stay: the next incarnation's StartWorkers replaces them (and counts them restarted).
            int workers = offeredWorkers();
            if (workers > 0) {
                startDriver(workers);
            } else {
                state = "waiting";
                detail = "waiting for workers to resume after an aggregator node was lost";
            }
            return this;
        }
        if (d.error() == null) {
            state = "done";
            detail = withClusterCounters(d.summary());
        } else {
            state = "failed";
            detail = d.error().getMessage() == null ? d.error().toString() : d.error().getMessage();
            ctx.getLog().error("job {} failed", jobId, d.error());
        }
        for (Map.Entry<ActorRef<NodeAgent.Command>, String> e : started.entrySet()) {
            e.getKey().tell(new NodeAgent.StopJob(e.getValue()));
        }
        started.clear();
        return this;
    }

    /** Stops the incarnation's shards wherever they run. */
    private void stopShards() {
        if (shardRefs != null) {
            for (ActorRef<AggregatorActor.Command> a : shardRefs) {
                if (a != null) {
                    ctx.unwatch(a);
                }
            }
        }
        for (Host h : hosts) {
            if (h.ref != null) {
                ctx.unwatch(h.ref);
            }
            if (h.agent != null) {
                ctx.unwatch(h.agent);
                h.agent.tell(new NodeAgent.StopShards(incarnation));
            }
        }
        if (localHost != null) {
            ctx.stop(localHost);
            localHost = null;
        }
        hosts.clear();
        if (moving) {
            ctx.unwatch(joiner.agent);
            if (joiner.ref != null) {
                ctx.unwatch(joiner.ref);
            }
            joiner.agent.tell(new NodeAgent.StopShards(incarnation));
            endMove();
        }
        holdAsked = false;
        heldAt = -1;
        staleCopies.clear();
        shardRefs = null;
        shardHosts = null;
    }
}
