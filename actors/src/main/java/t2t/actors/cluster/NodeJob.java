package t2t.actors.cluster;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Routers;
import t2t.actors.Coordinator;
import t2t.actors.LoaderActor;
import t2t.actors.LocalJob;
import t2t.actors.TeacherActor;
import t2t.actors.WorkerActor;

import java.util.Map;

/**
 * The worker side of one job incarnation on one node: a loader pool, the teacher and one worker
 * per device, all local, so batches are made where they are trained and only gradients and
 * parameters cross the network. A worker that fails stops alone; the coordinator, watching it,
 * re-queues its slice.
 */
final class NodeJob {
    private NodeJob() {}

    static Behavior<Void> create(String node, int workers, Map<String, String> config,
                                 ActorRef<Coordinator.Command> coordinator, ClusterJobs jobs,
                                 java.util.function.Consumer<String> failed) {
        return Behaviors.setup(ctx -> {
            ClusterJobs.WorkerSide side;
            try {
                side = jobs.workerSide(config, workers);
            } catch (RuntimeException e) {
                ctx.getLog().error("{} cannot start its workers", node, e);
                failed.accept(e.getMessage() == null ? e.toString() : e.getMessage());
                return Behaviors.stopped();
            }
            LocalJob.Spec spec = side.spec();
            ActorRef<LoaderActor.Command> loaders = ctx.spawn(
                    Routers.pool(spec.loaders(), Behaviors.supervise(LoaderActor.create(spec.batches()))
                                    .onFailure(SupervisorStrategy.restart()))
                            .withRoundRobinRouting()
                            .withRouteeProps(DispatcherSelector.fromConfig("t2t.loader-dispatcher")),
                    "loaders");
            ActorRef<TeacherActor.Command> teacher = spec.teacher() == null ? null
                    : ctx.spawn(TeacherActor.create(spec.teacher()), "teacher",
                    DispatcherSelector.fromConfig("t2t.service-dispatcher"));
            for (int i = 0; i < workers; i++) {
                int rank = i;
                String id = node + "/w" + i;
                ctx.spawn(WorkerActor.create(id, () -> spec.students().apply(rank), spec.evaluator(), coordinator,
                                loaders, teacher, spec.sync(), spec.seed(), spec.prefetch()),
                        "worker-" + i, DispatcherSelector.fromConfig("t2t.compute-dispatcher"));
            }
            ctx.getLog().info("{}: {} workers started for the job", node, workers);
            return Behaviors.<Void>receiveSignal((c, sig) -> {
                if (sig instanceof PostStop) {
                    try {
                        side.resources().close();
                    } catch (Exception e) {
                        c.getLog().warn("closing the job's data on {} failed: {}", node, e.toString());
                    }
                }
                return Behaviors.same();
            });
        });
    }
}
