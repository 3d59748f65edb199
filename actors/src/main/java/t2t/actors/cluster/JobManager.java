package t2t.actors.cluster;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import t2t.actors.AggregatorActor;
import t2t.actors.Coordinator;
import t2t.actors.LocalJob;
import t2t.actors.runtime.JobListener;
import t2t.actors.runtime.ShardRange;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The cluster singleton on the coordinator role: takes a submitted job, gathers the worker nodes,
 * runs the job (its run folder, checkpoints and summary on this node) with the coordinator and the
 * parameter shards as its children, and starts the workers on the worker nodes, including nodes
 * that join while it runs. It keeps nothing durable: when its node is lost the singleton starts
 * on another coordinator node, the client's next (periodic) submission reaches it, and the job
 * resumes from the newest checkpoint in the shared run folder under a new incarnation.
 */
public final class JobManager extends AbstractBehavior<JobManager.Command> {
    public static final String NAME = "job-manager";

    public sealed interface Command {}

    /** Submits (or asks after) a job; the client repeats it until the job is done. */
    public record Submit(String jobId, HashMap<String, String> config, int minWorkers, ActorRef<JobStatus> replyTo)
            implements Command {}

    /** {@code state}: waiting, running, done (detail: the summary JSON) or failed (detail: why). */
    public record JobStatus(String jobId, String state, String detail) {}

    public record WorkersOffered(String node, ActorRef<NodeAgent.Command> agent, int workers) implements Command {}

    public record WorkersStarted(String node, String incarnation, int workers, int replaced) implements Command {}

    /** A node could not start its workers (its data or teacher is missing, say): the job cannot start as planned. */
    public record WorkersFailed(String node, String incarnation, String reason) implements Command {}

    private record AgentsChanged(Receptionist.Listing listing) implements Command {}

    private record Launch(LocalJob.Spec spec, JobListener listener, CompletableFuture<JobListener.JobResult> result)
            implements Command {}

    private record DriverDone(String summary, Throwable error) implements Command {}

    private final ActorContext<Command> ctx;
    private final ClusterJobs jobs;
    private final String incarnationBase = UUID.randomUUID().toString().substring(0, 8);
    private final Map<ActorRef<NodeAgent.Command>, Integer> offers = new LinkedHashMap<>();
    private final Map<ActorRef<NodeAgent.Command>, String> started = new LinkedHashMap<>();
    private Set<ActorRef<NodeAgent.Command>> agents = Set.of();

    private String jobId;
    private HashMap<String, String> jobConfig;
    private String state;
    private String detail = "";
    private String incarnation;
    private int minWorkers;
    private int runs;
    /** Workers of an earlier incarnation that the node agents replaced (the coordinator moved). */
    private int replacedWorkers;
    private ActorRef<Coordinator.Command> coordinator;
    private final List<ActorRef<AggregatorActor.Command>> aggregators = new ArrayList<>();
    private LocalJob.CompletingListener listener;

    public static Behavior<Command> create(ClusterJobs jobs) {
        return Behaviors.setup(ctx -> new JobManager(ctx, jobs));
    }

    private JobManager(ActorContext<Command> ctx, ClusterJobs jobs) {
        super(ctx);
        this.ctx = ctx;
        this.jobs = jobs;
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
        }
        if ("waiting".equals(state)) {
            offers.clear();
            for (ActorRef<NodeAgent.Command> a : agents) {
                a.tell(new NodeAgent.Describe(ctx.getSelf()));
            }
        }
        s.replyTo().tell(new JobStatus(jobId, state, detail));
        return this;
    }

    private Behavior<Command> onAgentsChanged(AgentsChanged c) {
        agents = c.listing().getServiceInstances(NodeAgent.KEY);
        if ("running".equals(state)) {
            for (ActorRef<NodeAgent.Command> a : agents) {
                if (!started.containsKey(a)) {
                    a.tell(new NodeAgent.Describe(ctx.getSelf()));
                }
            }
        }
        return this;
    }

    private Behavior<Command> onOffered(WorkersOffered o) {
        offers.put(o.agent(), o.workers());
        int total = offers.values().stream().mapToInt(Integer::intValue).sum();
        if ("waiting".equals(state) && total >= Math.max(1, minWorkers)) {
            startDriver(total);
        } else if ("running".equals(state) && coordinator != null && !started.containsKey(o.agent()) && o.workers() > 0) {
            ctx.getLog().info("node {} joins the running job with {} workers", o.node(), o.workers());
            startWorkers(o.agent());
        }
        return this;
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
        ActorRef<Command> self = ctx.getSelf();
        JobLauncher launcher = (spec, l) -> {
            CompletableFuture<JobListener.JobResult> f = new CompletableFuture<>();
            self.tell(new Launch(spec, l, f));
            return f;
        };
        Thread t = new Thread(() -> {
            try {
                self.tell(new DriverDone(jobs.run(cfg, launcher), null));
            } catch (Throwable e) {
                self.tell(new DriverDone(null, e));
            }
        }, "t2t-job-" + incarnation);
        t.setDaemon(true);
        t.start();
        ctx.getLog().info("job {} starts: {}", jobId, detail);
    }

    private Behavior<Command> onLaunch(Launch l) {
        LocalJob.Spec spec = l.spec();
        listener = new LocalJob.CompletingListener(l.listener(), l.result());
        List<ShardRange> ranges = ShardLayout.ranges(spec.initialParams().length, spec.shards());
        List<AggregatorActor.ShardState> restored = spec.restoredShards() == null ? null
                : ShardLayout.reshard(spec.restoredShards(), ranges);
        DispatcherSelector service = DispatcherSelector.fromConfig("t2t.service-dispatcher");
        for (ShardRange r : ranges) {
            float[] slice = java.util.Arrays.copyOfRange(spec.initialParams(), r.offset(), r.end());
            ActorRef<AggregatorActor.Command> a = ctx.spawn(
                    Behaviors.supervise(AggregatorActor.create(r, slice, spec.optimizers().apply(r), spec.clip(),
                            spec.clipping())).onFailure(SupervisorStrategy.stop()),
                    "aggregator-" + incarnation + "-" + r.shard(), service);
            if (restored != null) {
                a.tell(new AggregatorActor.Restore(restored.get(r.shard())));
            }
            ctx.watch(a);
            aggregators.add(a);
        }
        coordinator = ctx.spawn(Coordinator.create(spec.settings(), spec.plan(), listener, new ArrayList<>(aggregators),
                ranges), "coordinator-" + incarnation, service);
        ctx.watch(coordinator);
        for (ActorRef<NodeAgent.Command> a : offers.keySet()) {
            if (offers.get(a) > 0) {
                startWorkers(a);
            }
        }
        return this;
    }

    private void startWorkers(ActorRef<NodeAgent.Command> agent) {
        started.put(agent, incarnation);
        agent.tell(new NodeAgent.StartWorkers(incarnation, jobConfig, coordinator, ctx.getSelf()));
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
        if (listener != null && "running".equals(state)) {
            listener.onFailure(new IllegalStateException(t.getRef().path().name()
                    + " stopped unexpectedly; see the coordinator node's log"));
        }
        return this;
    }

    /** The summary with the workers this incarnation replaced counted as restarted. */
    private String withRestarts(String summary) {
        if (replacedWorkers == 0) {
            return summary;
        }
        try {
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.node.ObjectNode o =
                    (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(summary);
            o.put("workers_restarted", o.path("workers_restarted").asLong() + replacedWorkers);
            return json.writeValueAsString(o);
        } catch (java.io.IOException | ClassCastException e) {
            return summary;
        }
    }

    private Behavior<Command> onDriverDone(DriverDone d) {
        if (d.error() == null) {
            state = "done";
            detail = withRestarts(d.summary());
        } else {
            state = "failed";
            detail = d.error().getMessage() == null ? d.error().toString() : d.error().getMessage();
            ctx.getLog().error("job {} failed", jobId, d.error());
        }
        for (Map.Entry<ActorRef<NodeAgent.Command>, String> e : started.entrySet()) {
            e.getKey().tell(new NodeAgent.StopJob(e.getValue()));
        }
        started.clear();
        for (ActorRef<AggregatorActor.Command> a : aggregators) {
            ctx.unwatch(a);
            ctx.stop(a);
        }
        aggregators.clear();
        if (coordinator != null) {
            ctx.unwatch(coordinator);
            ctx.stop(coordinator);
            coordinator = null;
        }
        listener = null;
        return this;
    }
}
