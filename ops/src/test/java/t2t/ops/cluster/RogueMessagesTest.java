package t2t.ops.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorIdentity;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Identify;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import t2t.actors.AggregatorActor;
import t2t.actors.WorkerActor;
import t2t.actors.cluster.ClusterSettings;
import t2t.actors.cluster.tls.TlsConfig;
import t2t.actors.runtime.ShardRange;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node with a valid certificate (compromised, or running a broken build) joins a running TLS
 * cluster and sends the job's aggregators and workers malformed, inconsistent and oversized tensor
 * messages. Each is dropped and counted on the node that received it (its {@code /metrics}), and
 * the job trains every sample once as if nothing happened.
 */
@Tag("slow")
class RogueMessagesTest {
    private static final String ALL = "worker,loader,teacher,aggregator,coordinator";
    private static final String WORKER = "worker,loader,teacher";
    /** Where the job's actors live (aggregators beside the coordinator or on aggregator nodes, workers under the node agent). */
    private static final List<String> PATHS = List.of("/system/singletonManagerjob-manager/job-manager/*",
            "/user/*", "/user/*/*", "/user/*/*/*", "/user/*/*/*/*");
    /** Larger than the 2 MiB large-message frame every real node sends at most. */
    private static final int OVERSIZED = 3 << 20;
    /** 60 steps of 24 an epoch, 2 epochs: the rogue strikes early and the job has long to go on. */
    private static final int SAMPLES = 1440;
    private static final int STEPS = 2 * SAMPLES / 24;

    @Test
    void malformedAndOversizedMessagesAreDroppedCountedAndTheJobGoesOn(
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        try (ClusterProcesses c = new ClusterProcesses(dir)) {
            Path certs = c.certs(4);
            int m1 = ClusterProcesses.freePort();
            int m2 = ClusterProcesses.freePort();
            c.node("n1", c.seedPort, ALL, certs.resolve("node-1"), "--metrics-port", Integer.toString(m1));
            c.node("n2", ClusterProcesses.freePort(), WORKER, certs.resolve("node-2"), "--metrics-port", Integer.toString(m2));
            ActorSystem<Void> rogue = ActorSystem.create(Behaviors.empty(), ClusterSettings.SYSTEM,
                    rogueConfig(c.seed(), certs.resolve("node-4")));
            Process train = c.train("r", 2, certs.resolve("node-3"), SAMPLES, "--epochs", "2");
            try {
                ClusterProcesses.await("the rogue node up", 90,
                        () -> Cluster.get(rogue).selfMember().status().equals(MemberStatus.up()));
                ClusterProcesses.await("step 5", 150, () -> c.reached("r", 5) || !train.isAlive());
                List<ActorRef> targets = identify(rogue);
                List<ActorRef> aggregators = named(targets, "aggregator");
                List<ActorRef> workers = named(targets, "worker-");
                assertFalse(aggregators.isEmpty(), "found the job's aggregators: " + targets);
                assertEquals(2, workers.size(), "found both workers: " + targets);

                byte[] garbage = new byte[4096];
                new SplittableRandom(7).nextBytes(garbage);
                for (ActorRef a : aggregators) {
                    a.tell(new RogueBytes("G", garbage), ActorRef.noSender());
                    a.tell(new RogueBytes("G", new byte[OVERSIZED]), ActorRef.noSender());
                    // Well-formed on the wire, wrong for the job: no such worker, wrong size, generation 0.
                    a.tell(new AggregatorActor.Gradient(0, 0, "rogue/w0", new float[7], 24, false, 0L),
                            ActorRef.noSender());
                    // As a real worker (its id is its node's address and index), without its token.
                    for (ActorRef w : workers) {
                        a.tell(new AggregatorActor.Gradient(0, 0, workerId(w), new float[7], 24, false, 0L),
                                ActorRef.noSender());
                    }
                    // A commit naming nobody for the next steps would stall or skew the shard: not the coordinator's.
                    a.tell(new AggregatorActor.Commit(sentAtLeast(c), new java.util.ArrayList<>(), 0L), ActorRef.noSender());
                }
                for (ActorRef w : workers) {
                    w.tell(new RogueBytes("P", garbage), ActorRef.noSender());
                    w.tell(new WorkerActor.ShardParams(0, new ShardRange(0, 1 << 30, 16), new float[16], 0L),
                            ActorRef.noSender());
                    // In range, so without the shard's token it would overwrite the replica's first parameters.
                    w.tell(new WorkerActor.ShardParams(0, new ShardRange(0, 0, 16), new float[16], 0L),
                            ActorRef.noSender());
                    // Work the coordinator never planned: the worker would train and report it.
                    w.tell(new WorkerActor.Work(0, 0, 0, 0, new long[] {1, 2, 3}, new int[3], false, false, 0L),
                            ActorRef.noSender());
                    // "No more work" would make the worker stop asking, and the job stall.
                    w.tell(new WorkerActor.NoMoreWork(0L), ActorRef.noSender());
                }
                int sentAt = steps(c);
                System.out.println("rogue messages sent at step " + sentAt);

                // Counted where received: sum both nodes (aggregators may run on either).
                int a = aggregators.size();
                ClusterProcesses.await("every drop on the nodes' metrics", 60, () -> {
                    String s1 = scrape(m1);
                    String s2 = scrape(m2);
                    return dropped(s1, s2, "tensor malformed") >= a + 2 && dropped(s1, s2, "tensor oversized") >= a
                            && dropped(s1, s2, "gradient of an unknown sender, wrong size or applied step") >= a
                            && dropped(s1, s2, "gradient with a wrong token") >= 2L * a
                            && dropped(s1, "parameters outside the model") >= 1 && dropped(s2, "parameters outside the model") >= 1
                            && dropped(s1, "parameters with a wrong token") >= 1
                            && dropped(s2, "parameters with a wrong token") >= 1
                            && dropped(s1, s2, "commit with a wrong token") >= a
                            && dropped(s1, "work with a wrong token") >= 2 && dropped(s2, "work with a wrong token") >= 2;
                });
                String s1 = scrape(m1);
                String s2 = scrape(m2);
                System.out.printf("%d aggregators, 2 workers; dropped (n1+n2): malformed %.0f, oversized %.0f,"
                                + " wrong gradient %.0f, wrong parameters %.0f%n", a, dropped(s1, s2, "tensor malformed"),
                        dropped(s1, s2, "tensor oversized"),
                        dropped(s1, s2, "gradient of an unknown sender, wrong size or applied step"),
                        dropped(s1, s2, "parameters outside the model"));
                System.out.printf("forged as a member: gradients %.0f, parameters %.0f, commits %.0f, work %.0f%n",
                        dropped(s1, s2, "gradient with a wrong token"), dropped(s1, s2, "parameters with a wrong token"),
                        dropped(s1, s2, "commit with a wrong token"), dropped(s1, s2, "work with a wrong token"));
                assertTrue(train.isAlive() && sentAt < STEPS - 10, "the rogue struck mid-job (step " + sentAt + " of " + STEPS + ")");
            } finally {
                rogue.terminate();
            }
            JsonNode s = c.summary(train, "r", 200);
            assertEquals("[" + SAMPLES + "," + SAMPLES + "]", s.get("samples_trained_per_epoch").toString());
            assertEquals(0, s.get("duplicate_samples").asInt());
            assertEquals(0, s.get("workers_restarted").asInt());
            assertEquals(0, s.get("workers_lost").asInt());
            assertEquals(STEPS, s.get("steps").asInt());
        }
    }

    private static Config rogueConfig(String seed, Path tls) {
        return ConfigFactory.parseString(String.join("\n",
                        "pekko.actor.serializers.t2t-tensor = \"" + RogueSerializer.class.getName() + "\"",
                        "pekko.actor.serialization-bindings { \"" + RogueBytes.class.getName() + "\" = t2t-tensor }",
                        // Artery checks only what it sends: the rogue lifts its own limit.
                        "pekko.remote.artery.advanced.maximum-frame-size = 8 MiB",
                        "pekko.remote.artery.advanced.maximum-large-frame-size = 8 MiB"))
                .withFallback(ClusterSettings.node("127.0.0.1", 0, seed, List.of("client"), TlsConfig.forDir(tls)));
    }

    /** Every actor of the job on the nodes that run it, found the way any member can: Identify by path. */
    private static List<ActorRef> identify(ActorSystem<Void> rogue) throws InterruptedException {
        org.apache.pekko.actor.ActorSystem classic = Adapter.toClassic(rogue);
        Queue<ActorRef> found = new ConcurrentLinkedQueue<>();
        // A typed system has a custom user guardian: a classic helper actor goes under /system.
        ActorRef collector = ((org.apache.pekko.actor.ExtendedActorSystem) classic).systemActorOf(
                Props.create(Collector.class, () -> new Collector(found)), "rogue-identify");
        for (Member m : Cluster.get(rogue).state().getMembers()) {
            if (m.hasRole("worker") || m.hasRole("aggregator") || m.hasRole("coordinator")) {
                for (String p : PATHS) {
                    classic.actorSelection(m.address() + p).tell(new Identify(1), collector);
                }
            }
        }
        Thread.sleep(3000);
        return new ArrayList<>(found);
    }

    /** A step at or after the job's current one (steps already logged). */
    private static long sentAtLeast(ClusterProcesses c) throws java.io.IOException {
        return steps(c) + 1;
    }

    /** A worker's id: its node's host:port and its index (NodeJob names worker {@code i} {@code worker-i}). */
    private static String workerId(ActorRef w) {
        org.apache.pekko.actor.Address a = w.path().address();
        return a.host().get() + ":" + a.port().get() + "/w" + w.path().name().substring("worker-".length());
    }

    private static List<ActorRef> named(List<ActorRef> refs, String prefix) {
        return refs.stream().filter(r -> r.path().name().startsWith(prefix)).toList();
    }

    private static int steps(ClusterProcesses c) throws java.io.IOException {
        return (int) java.nio.file.Files.readAllLines(c.runDir("r").resolve("metrics.jsonl")).stream()
                .filter(l -> l.startsWith("{\"step\":")).count();
    }

    private static String scrape(int port) {
        try {
            return ClusterProcesses.scrape(port);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static double dropped(String a, String b, String reason) {
        return dropped(a, reason) + dropped(b, reason);
    }

    private static double dropped(String scrape, String reason) {
        Matcher m = Pattern.compile("^t2t_dropped_messages_total\\{reason=\"" + Pattern.quote(reason) + "\"} (\\S+)$",
                Pattern.MULTILINE).matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static final class Collector extends AbstractActor {
        private final Queue<ActorRef> found;

        Collector(Queue<ActorRef> found) {
            this.found = found;
        }

        @Override
        public Receive createReceive() {
            return receiveBuilder().match(ActorIdentity.class, id -> id.getActorRef().ifPresent(found::add)).build();
        }
    }
}
