package t2t.ops.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import t2t.ops.Main;
import t2t.protocol.UserInputException;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole job is checked before any work starts: a mistake costs one line and exit 2, not a
 * teacher's training (10 minutes in the demo) followed by the error.
 */
class JobValidationTest {
    @TempDir
    Path out;

    /** Everything the command printed on stderr (its own and the run's), after asserting exit 2. */
    private String refused(String... flags) {
        List<String> args = new ArrayList<>(List.of("train", "--out", out.resolve("runs").toString(),
                "--teacher-epochs", "1", "--batch-size", "32"));
        args.addAll(List.of(flags));
        PrintStream saved = System.err;
        ByteArrayOutputStream runErr = new ByteArrayOutputStream();
        // Before the command line is made: picocli's writers follow System.err as it was then.
        System.setErr(new PrintStream(runErr, true, StandardCharsets.UTF_8));
        StringWriter err = new StringWriter();
        int code;
        try {
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            code = cl.execute(args.toArray(String[]::new));
        } finally {
            System.setErr(saved);
        }
        String all = (runErr.toString(StandardCharsets.UTF_8) + err).strip();
        assertEquals(Main.EXIT_USAGE, code, all);
        assertEquals(1, all.lines().count(), "one line, and nothing trained first:\n" + all);
        assertFalse(Files.exists(out.resolve("runs")), "no run folder for a job that cannot run");
        return all;
    }

    @Test
    void aWrongModelFailsBeforeTheTeacherTrains() {
        assertTrue(refused("--model", "t2t_vit_8", "--data", "synthetic:64").contains("unknown model 't2t_vit_8'"));
    }

    @Test
    void missingDataFailsBeforeAnythingElse() {
        assertTrue(refused("--data", out.resolve("nonexistent").toString()).contains("does not exist"));
    }

    @Test
    void aTeacherTypoGetsTheNearestTeacher() {
        assertTrue(refused("--teacher", "resnt_tiny", "--data", "synthetic:64").contains("did you mean 'resnet_tiny'?"));
    }

    @Test
    void aClassCountOtherThanTheDatasIsRefusedBeforeStepOne() {
        String err = refused("--model-args", "num_classes=1000", "--teacher", "none", "--token-label", "false",
                "--distillation-type", "none", "--data", "synthetic:64");
        assertTrue(err.contains("num_classes=1000") && err.contains("has 10 classes"), err);
    }

    @Test
    void clusterFlagsWithoutAClusterAreRefused() {
        assertTrue(refused("--host", "10.0.0.5", "--data", "synthetic:64").contains("--host applies to cluster jobs only"));
    }

    @Test
    void aClusterNodeNeverTrainsATeacherItself() {
        // synthetic:40 with seed 977: a teacher no run of this test suite ever caches.
        Map<String, String> job = Map.of("data", "synthetic:40", "seed", "977", "batch-size", "8",
                "teacher-epochs", "1", "out", out.resolve("runs").toString());
        UserInputException e = assertThrows(UserInputException.class,
                () -> new ClusterTrainingJobs(System.err, l -> l).workerSide(job, 1));
        assertTrue(e.getMessage().contains("cluster nodes do not train teachers"), e.getMessage());
    }
}
