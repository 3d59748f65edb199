package t2t.actors.cluster;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Says which node failed and why: logs every membership and reachability change of the cluster
 * as this node sees it, with the time from unreachable to removed, and reports failures to the
 * node's metrics through {@code failures} (node address, reason).
 */
final class MembershipLog {
    private MembershipLog() {}

    static Behavior<ClusterEvent.ClusterDomainEvent> create(BiConsumer<String, String> failures) {
        return Behaviors.setup(ctx -> {
            Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(ctx.getSelf(),
                    ClusterEvent.ClusterDomainEvent.class));
            Map<String, Long> unreachableSince = new HashMap<>();
            return Behaviors.receiveMessage(e -> {
                if (e instanceof ClusterEvent.MemberUp up) {
                    ctx.getLog().info("node {} up, roles {}", up.member().address(), up.member().getRoles());
                } else if (e instanceof ClusterEvent.UnreachableMember u) {
                    String node = node(u.member());
                    unreachableSince.put(node, System.nanoTime());
                    ctx.getLog().warn("node {} unreachable: no heartbeat within the failure detector's pause", node);
                    failures.accept(node, "unreachable");
                } else if (e instanceof ClusterEvent.ReachableMember r) {
                    unreachableSince.remove(node(r.member()));
                    ctx.getLog().info("node {} reachable again", node(r.member()));
                } else if (e instanceof ClusterEvent.MemberDowned d) {
                    ctx.getLog().warn("node {} downed by the split brain resolver", node(d.member()));
                    failures.accept(node(d.member()), "downed");
                } else if (e instanceof ClusterEvent.MemberRemoved r) {
                    String node = node(r.member());
                    Long since = unreachableSince.remove(node);
                    String why = r.previousStatus() == org.apache.pekko.cluster.MemberStatus.down()
                            ? "downed after being unreachable" : "left gracefully";
                    ctx.getLog().warn("node {} removed ({}){}", node, why, since == null ? ""
                            : String.format(java.util.Locale.ROOT, ", %.1f s after it became unreachable",
                            (System.nanoTime() - since) / 1e9));
                    failures.accept(node, "removed: " + why);
                } else if (e instanceof ClusterEvent.MemberLeft l) {
                    ctx.getLog().info("node {} leaving", node(l.member()));
                }
                return Behaviors.same();
            });
        });
    }

    private static String node(Member m) {
        return hostPort(m.address());
    }

    /** HOST:PORT, the name of a node in logs, metrics and worker ids. */
    static String hostPort(org.apache.pekko.actor.Address a) {
        return a.getHost().orElse("local") + ":" + a.getPort().map(String::valueOf).orElse("0");
    }
}
