package t2t.actors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import t2t.actors.cluster.ClusterJobs;
import t2t.actors.cluster.ClusterNode;
import t2t.actors.cluster.JobLauncher;
import t2t.actors.cluster.JobSubmitter;
import t2t.actors.config.SyncMode;
import t2t.actors.engine.JobAssembly;
import t2t.actors.engine.SamplerPlan;
import t2t.actors.runtime.JobListener;
import t2t.loader.sampler.SamplerConfig;

import java.io.PrintStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cluster nodes as several actor systems in one JVM on 127.0.0.1: every message between the
 * coordinator's node and the other workers crosses Artery through the Kryo and tensor serializers.
 */
class ClusterJobTest {
    private static final int SAMPLES = 640;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<ActorSystem<Void>> systems = new ArrayList<>();

    /** The softmax student on the separable synthetic data; the summary carries the final weights. */
    private static final class Jobs implements ClusterJobs {
        final CompletableFuture<Void> reachedStep5 = new CompletableFuture<>();
        /** Per batch: slow enough that a node's leaving lands mid-run; negative: the nodes have no data. */
        final long batchMillis;

        Jobs(long batchMillis) {
            this.batchMillis = batchMillis;
        }

        static LocalJob.Spec spec(int workers, int epochs) {
            return spec(workers, epochs, 0);
        }

        static LocalJob.Spec spec(int workers, int epochs, long batchMillis) {
            TestJobs.Data plain = new TestJobs.Data(SAMPLES);
            t2t.actors.runtime.BatchMaker data = TestJobs.slowed(plain, batchMillis);
            SoftmaxStudent probe = new SoftmaxStudent(TestJobs.FEATURES, TestJobs.CLASSES);
            SamplerPlan plan = new SamplerPlan(new SamplerConfig(SAMPLES, 16, 7, true, 1, false), epochs);
            return new LocalJob.Spec("cluster", workers, 1, SyncMode.parse("sync"), 1, 2, probe.readParams(),
                    r -> new TestJobs.Sgd(0.5), 2, norm -> 1f, false,
                    rank -> new SoftmaxStudent(TestJobs.FEATURES, TestJobs.CLASSES), null, data,
                    new TestJobs.Top1(data), plan, new Coordinator.Settings(workers, 0, 0, 1, s -> 0.5, 0, null), null);
        }

        @Override
        public WorkerSide workerSide(Map<String, String> config, int workers) {
            if (batchMillis < 0) {
                throw new IllegalArgumentException("--data /nowhere: no such folder on this node");
            }
            return new WorkerSide(spec(workers, 1, batchMillis), () -> { });
        }

        @Override
        public String run(Map<String, String> config, JobLauncher launcher) {
            JobListener onStep = new JobListener() {
                @Override
                public void onStep(StepMetrics m) {
                    if (m.step() >= 5) {
                        reachedStep5.complete(null);
                    }
                }
            };
            try {
                JobListener.JobResult r = launcher.launch(spec(Integer.parseInt(config.get("workers")),
                        Integer.parseInt(config.get("epochs"))), onStep).get(60, TimeUnit.SECONDS);
                return TestJobs.clusterSummary(r);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private ActorSystem<Void> node(int port, String seed, List<String> roles, Jobs jobs) {
        ActorSystem<Void> s = ClusterNode.start("127.0.0.1", port, seed, roles, 1, null, jobs, (n, why) -> { });
        systems.add(s);
        return s;
    }

    private static JsonNode submit(String seed, int minWorkers, int epochs) throws Exception {
        Map<String, String> cfg = Map.of("epochs", Integer.toString(epochs));
        String summary = JobSubmitter.submit("127.0.0.1", seed, null, "job", cfg, minWorkers, Duration.ofSeconds(90),
                new PrintStream(OutputStream.nullOutputStream()));
        return JSON.readTree(summary);
    }

    @AfterEach
    void stop() throws Exception {
        for (ActorSystem<Void> s : systems) {
            s.terminate();
        }
        for (ActorSystem<Void> s : systems) {
            s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /** A seed node with every role and a worker-only node; returns the seed's address. */
    private String twoNodes(Jobs jobs) throws Exception {
        int port = freePort();
        String seed = "127.0.0.1:" + port;
        node(port, seed, ClusterNode.ROLES, jobs);
        node(freePort(), seed, List.of("worker"), jobs);
        return seed;
    }

    @Test
    void twoNodesTrainLikeTwoLocalWorkers() throws Exception {
        String seed = twoNodes(new Jobs(0));
        JsonNode s = submit(seed, 2, 2);
        assertEquals("[640,640]", s.get("samples_trained_per_epoch").toString());
        assertEquals(0, s.get("duplicate_samples").asInt());
        assertEquals(1, s.get("generations").asInt());

        JobListener.JobResult local = LocalJob.run(Jobs.spec(2, 2), new JobListener() { }).get(60, TimeUnit.SECONDS);
        float[] expected = JobAssembly.flatten(local.shards());
        float[] got = new float[expected.length];
        for (int i = 0; i < got.length; i++) {
            got[i] = (float) s.get("params").get(i).asDouble();
        }
        // Ranks may register in another order, which only reorders the float sums of the average.
        assertArrayEquals(expected, got, 1e-5f);
    }

    @Test
    void aNodeThatLeavesMidEpochHasItsSliceRequeued() throws Exception {
        Jobs jobs = new Jobs(25);
        String seed = twoNodes(jobs);
        ActorSystem<Void> leaving = node(freePort(), seed, List.of("worker"), jobs);
        CompletableFuture<JsonNode> result = CompletableFuture.supplyAsync(() -> {
            try {
                return submit(seed, 3, 6);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        jobs.reachedStep5.get(60, TimeUnit.SECONDS);
        leaving.terminate();
        JsonNode s = result.get(90, TimeUnit.SECONDS);
        assertEquals("[640,640,640,640,640,640]", s.get("samples_trained_per_epoch").toString());
        assertEquals(0, s.get("duplicate_samples").asInt());
        assertEquals(1, s.get("workers_lost").asInt());
        assertEquals(2, s.get("generations").asInt());
    }

    @Test
    void aNodeThatCannotStartItsWorkersFailsTheJobSayingWhy() throws Exception {
        String seed = twoNodes(new Jobs(-1));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> submit(seed, 2, 1));
        // The seed also hosts the shards, which need the data too (its size sets the schedule): either may say so first.
        assertTrue(e.getMessage().matches(".*could not (start its workers|host parameter shards): --data /nowhere: no such folder.*"),
                e.getMessage());
    }
}
