package t2t.ops.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import t2t.actors.cluster.JobSubmitter;
import t2t.actors.config.JobConfig;
import t2t.model.ModelRegistry;
import t2t.model.teacher.CnnTeachers;
import t2t.ops.run.TrainingRun;
import t2t.protocol.UserInputException;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * {@code train --cluster HOST:PORT}: the resolved configuration goes to the cluster as the job;
 * the run folder (under {@code --out}, which must be a folder every coordinator node shares) gets
 * a fixed name so a job that moves to another coordinator node resumes from its checkpoints. A
 * registered CNN teacher is trained (or found cached) on this machine before the job is submitted.
 */
final class ClusterSubmission {
    private ClusterSubmission() {}

    static Map<String, Object> run(JobConfig cfg, Path tls, boolean insecure, int minWorkers, String host) {
        String seed = cfg.get(JobConfig.CLUSTER);
        String seedHost = ClusterAddress.host(seed, "--cluster");
        ClusterAddress.port(seed, "--cluster");
        if (t2t.actors.config.SyncMode.parse(cfg.get(JobConfig.SYNC)).kind() == t2t.actors.config.SyncMode.Kind.LOCAL) {
            // Workers' local optimizers and the averaging rounds are wired for one node only so far.
            throw new UserInputException("--sync " + cfg.get(JobConfig.SYNC) + ": local SGD runs on one node only for now; "
                    + "use --sync sync or stale:S with --cluster");
        }
        if (minWorkers < 1) {
            throw new UserInputException("--min-workers " + minWorkers + ": must be 1 or more");
        }
        com.typesafe.config.Config tlsConfig = ClusterTls.settings("train --cluster", tls, insecure);
        Map<String, String> raw = new LinkedHashMap<>();
        cfg.asMap().forEach((k, v) -> raw.put(k, String.valueOf(v)));
        raw.put("cluster", "");
        if (raw.get("name").isBlank()) {
            raw.put("name", "cluster-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                    + "-" + cfg.get(JobConfig.MODEL));
        }
        String out = raw.get("out");
        raw.put("out", Path.of(out).toAbsolutePath().toString());
        ModelRegistry.family(cfg.get(JobConfig.MODEL));
        if (CnnTeachers.contains(cfg.get(JobConfig.TEACHER))) {
            // Nodes never train a teacher (several would, into one cache, while the job waited): it is
            // trained here, once, and every node reads it at this path.
            Path teacher = TrainingRun.teacherForCluster(cfg, System.err);
            System.err.println("t2t: the nodes read teacher " + cfg.get(JobConfig.TEACHER) + " from " + teacher
                    + " (a node on another machine needs it at the same path: a shared folder, or a copy)");
            raw.put("teacher", teacher.toString());
        }
        String summary = JobSubmitter.submit(host != null ? host : ClusterAddress.defaultHost(seedHost), seed,
                tlsConfig, UUID.randomUUID().toString(), raw, minWorkers,
                Duration.ofDays(30), System.err);
        try {
            return Json.MAPPER.readValue(summary, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the cluster's summary is not JSON: " + e.getMessage(), e);
        }
    }
}
