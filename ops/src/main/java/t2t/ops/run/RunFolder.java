package t2t.ops.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import t2t.actors.checkpoint.DiskFailure;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * A run folder, {@code runs/<name>/}: {@code config.json} (resolved), {@code metrics.jsonl} (one
 * line per logged step and per epoch), {@code checkpoints/step-N/} + {@code latest},
 * {@code plots/*.png}, {@code summary.json}.
 */
public final class RunFolder implements AutoCloseable {
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper LINE = new ObjectMapper();

    private final Path root;
    private final BufferedWriter metrics;

    private RunFolder(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root.resolve("checkpoints"));
        Files.createDirectories(root.resolve("plots"));
        this.metrics = Files.newBufferedWriter(root.resolve("metrics.jsonl"), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Opens (creating if needed) {@code parent/name}; an empty name gets a timestamp and the model. */
    public static RunFolder open(Path parent, String name, String model) {
        String n = name == null || name.isBlank()
                ? LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + model
                : name;
        try {
            return new RunFolder(parent.resolve(n));
        } catch (IOException e) {
            throw DiskFailure.of("cannot create the run folder", parent.resolve(n), e);
        }
    }

    public Path root() {
        return root;
    }

    public Path checkpoints() {
        return root.resolve("checkpoints");
    }

    public Path plots() {
        return root.resolve("plots");
    }

    public void writeConfig(Map<String, Object> config) {
        writeJson("config.json", config);
    }

    public void writeSummary(Map<String, Object> summary) {
        writeJson("summary.json", summary);
    }

    private void writeJson(String file, Object value) {
        Path tmp = root.resolve(file + ".tmp");
        try {
            PRETTY.writeValue(tmp.toFile(), value);
            Files.move(tmp, root.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the temp file is what failed; the one line below says why
            }
            throw DiskFailure.of("cannot write the run's " + file, root.resolve(file), e);
        }
    }

    /** Appends one metrics line and flushes it, so a killed run keeps every line it logged. */
    public synchronized void appendMetrics(Map<String, Object> line) {
        try {
            metrics.write(LINE.writeValueAsString(line));
            metrics.newLine();
            metrics.flush();
        } catch (IOException e) {
            throw DiskFailure.of("cannot append to the run's metrics", root.resolve("metrics.jsonl"), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            metrics.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
