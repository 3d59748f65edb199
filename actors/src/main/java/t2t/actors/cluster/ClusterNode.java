package t2t.actors.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * Starts one node: joins the cluster through its seed; on the coordinator role hosts the job
 * manager singleton (with the job's coordinator); on the aggregator role hosts parameter shards;
 * on the worker role offers {@code workers} workers, which make their own batches (loader and
 * teacher roles run on every worker node, beside the workers that consume them).
 */
public final class ClusterNode {
    public static final List<String> ROLES = List.of("worker", "loader", "teacher", "aggregator", "coordinator");

    private ClusterNode() {}

    public static ActorSystem<Void> start(String host, int port, String seed, List<String> roles, int workers,
                                          Config tls, ClusterJobs jobs, BiConsumer<String, String> failures) {
        Config cfg = ConfigFactory.parseString(
                "t2t.compute-dispatcher.thread-pool-executor.fixed-pool-size = " + Math.max(1, workers) + "\n")
                .withFallback(ClusterSettings.node(host, port, seed, roles, tls));
        return ActorSystem.create(guardian(roles, workers, jobs, failures), ClusterSettings.SYSTEM, cfg);
    }

    private static Behavior<Void> guardian(List<String> roles, int workers, ClusterJobs jobs,
                                           BiConsumer<String, String> failures) {
        return Behaviors.setup(ctx -> {
            // The bound address (port 0 means any free port): it names this node's workers cluster-wide.
            String node = MembershipLog.hostPort(Cluster.get(ctx.getSystem()).selfMember().address());
            ctx.spawn(MembershipLog.create(failures), "membership");
            boolean worker = roles.contains("worker") && workers > 0;
            if (worker || roles.contains("aggregator")) {
                ctx.spawn(NodeAgent.create(node, worker ? workers : 0, roles.contains("aggregator"), jobs), "agent");
            }
            if (roles.contains("coordinator")) {
                ClusterSingleton.get(ctx.getSystem()).init(
                        SingletonActor.of(JobManager.create(jobs, failures), JobManager.NAME).withSettings(
                                ClusterSingletonSettings.create(ctx.getSystem()).withRole("coordinator")));
            }
            return Behaviors.empty();
        });
    }
}
