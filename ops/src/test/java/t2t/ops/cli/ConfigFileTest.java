package t2t.ops.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import t2t.ops.Main;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A config file's HOCON features: {@code ${NAME}} resolves from the environment (it was a stack
 * trace), an unset one is one line and exit 2, {@code include} is refused (it was ignored when its
 * file was missing), and an empty class folder is refused (it silently became a class). Nothing is
 * written: each is refused before the run folder exists.
 */
class ConfigFileTest {
    @TempDir Path tmp;

    @Test
    void environmentSubstitutionsResolve() throws Exception {
        Path conf = tmp.resolve("home.conf");
        Files.writeString(conf, "out = ${HOME}/runs\nepochs = 7\n");
        Map<String, String> read = JobOptions.readFile(conf);
        assertEquals(System.getenv("HOME") + "/runs", read.get("out"));
        assertEquals("7", read.get("epochs"));
    }

    @Test
    void anUnsetSubstitutionIsOneLineAndExit2() throws Exception {
        Path conf = tmp.resolve("unset.conf");
        Files.writeString(conf, "out = ${T2T_SURELY_UNSET_VARIABLE}/runs\n");
        String err = refused(conf);
        assertTrue(err.contains("T2T_SURELY_UNSET_VARIABLE") && err.contains("environment"), err);
    }

    @Test
    void anIncludeIsRefusedWhetherOrNotItsFileExists() throws Exception {
        Files.writeString(tmp.resolve("other.conf"), "epochs = 7\n");
        for (String target : new String[] {"other.conf", "missing.conf"}) {
            Path conf = tmp.resolve("with-" + target);
            Files.writeString(conf, "include \"" + target + "\"\nlr = 1e-3\n");
            String err = refused(conf);
            assertTrue(err.contains("include") && err.contains(target) && err.contains("copy its keys"), err);
        }
    }

    @Test
    void anEmptyClassFolderIsRefused() throws Exception {
        Path data = tmp.resolve("data");
        Files.createDirectories(data.resolve("cat"));
        Files.createDirectories(data.resolve("dog"));
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_INT_RGB), "png",
                data.resolve("cat/1.png").toFile());
        Path conf = tmp.resolve("data.conf");
        Files.writeString(conf, "data = \"" + data + "\"\nout = \"" + tmp.resolve("runs") + "\"\nteacher = none\n"
                + "token-label = false\ndistillation-type = none\nsteps = 1\nbatch-size = 1\nimg-size = 32\nworkers = 1\n"
                + "model = t2t_vit_7\nmodel-args = \"embed_dim=32,depth=1,num_heads=2,mlp_ratio=2.0,soft_split=small,token_dim=16\"\n");
        String err = refused(conf);
        assertTrue(err.contains("dog") && err.contains("no image files"), err);
        assertTrue(Files.notExists(tmp.resolve("runs")), "nothing written");
    }

    private static String refused(Path conf) {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(Main.EXIT_USAGE, cl.execute("train", "--config", conf.toString()), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        return err.toString().strip();
    }
}
