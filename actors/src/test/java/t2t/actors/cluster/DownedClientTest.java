package t2t.actors.cluster;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import t2t.protocol.RunFailedException;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The split brain resolver downs the {@code train --cluster} client when the cluster loses its
 * majority. The client used to wait for ever after "this member has been downed"; it must end
 * with one line that says why and how to resume. The seed downs it here the way the resolver does.
 */
class DownedClientTest {
    private final List<ActorSystem<?>> systems = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        TestNodes.terminate(systems);
    }

    @Test
    void aDownedClientEndsWithOneLineSayingHowToResume() throws Exception {
        downedAfter(Duration.ZERO, new ByteArrayOutputStream());
    }

    /** A client waiting with nothing changing says so every 30 s (it used to say nothing for minutes). */
    @Test
    @Tag("slow")
    void aWaitingClientSaysWhatItWaitsForEveryThirtySeconds() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        downedAfter(Duration.ofSeconds(34), err);
        String said = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(said.contains("t2t: cluster job job still without an answer from the job manager (is a node with the "
                + "coordinator role up?)"), said);
    }

    private void downedAfter(Duration wait, ByteArrayOutputStream err) throws Exception {
        int port = TestNodes.freePort();
        String seed = "127.0.0.1:" + port;
        // No coordinator in this cluster: the job never starts, so only the downing can end the client.
        ActorSystem<Void> seedNode = ActorSystem.create(Behaviors.empty(), ClusterSettings.SYSTEM,
                ClusterSettings.node("127.0.0.1", port, seed, List.of("seed"), null));
        systems.add(seedNode);
        CompletableFuture<String> submitted = CompletableFuture.supplyAsync(() -> JobSubmitter.submit("127.0.0.1", seed,
                null, "job", Map.of("name", "run-7"), 1, Duration.ofMinutes(10),
                new PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8)));

        Cluster cluster = Cluster.get(seedNode);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Optional<Member> client = Optional.empty();
        while (client.isEmpty() && System.nanoTime() < deadline) {
            client = StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
                    .filter(m -> m.hasRole("client") && m.status() == MemberStatus.up()).findFirst();
            Thread.sleep(100);
        }
        assertTrue(client.isPresent(), "the client joined");
        Thread.sleep(wait.toMillis());
        cluster.manager().tell(new Down(client.get().address()));

        Throwable failure = null;
        try {
            submitted.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            failure = e.getCause();
        }
        RunFailedException e = assertInstanceOf(RunFailedException.class, failure);
        assertTrue(e.getMessage().contains("majority") && e.getMessage().contains("--name run-7"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
    }
}
