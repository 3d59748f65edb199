package t2t.ops.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import t2t.ops.Main;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Typos get the nearest name, and --help says what every flag takes and what it defaults to. */
class CommandLineHintsTest {
    private static String refused(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(Main.EXIT_USAGE, cl.execute(args), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        return err.toString().strip();
    }

    @Test
    void anUnknownFlagGetsTheNearestFlag() {
        assertEquals("t2t: unknown option '--epoch'; did you mean '--epochs'? (see 't2t train --help')",
                refused("train", "--epoch", "1"));
        assertTrue(refused("predict", "--weights", "w.safetensors", "--top-k=3", "x.png").contains("did you mean '--topk'?"));
    }

    @Test
    void anUnknownCommandGetsTheNearestCommand() {
        assertEquals("t2t: unknown command 'trian'; did you mean 'train'? (see 't2t --help')", refused("trian"));
        assertTrue(refused("bench", "stpe").contains("did you mean 'step'?"));
    }

    @Test
    void anUnknownModelGetsTheNearestModel() {
        assertTrue(refused("train", "--model", "t2t_vit_8", "--teacher", "none", "--token-label", "false",
                "--distillation-type", "none", "--data", "synthetic:64", "--batch-size", "32")
                .contains("unknown model 't2t_vit_8'; did you mean 't2t_vit_7'?"));
    }

    @Test
    void helpShowsTypesDefaultsAndChoices() {
        String help = Main.commandLine().getSubcommands().get("train").getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertTrue(help.contains("--min-workers=INT"), help);
        assertTrue(help.replaceAll("\\s+", " ").contains("this many workers before starting (default: 1)"), help);
        assertTrue(help.contains("--distillation-type=none|soft|hard"), help);
        assertTrue(help.contains("--mixup-mode=batch|pair|elem"), help);
        assertTrue(help.contains("--lr-scale=none|deit"), help);
        assertTrue(help.contains("--epochs=INT") && help.contains("--lr=NUM"), help);
    }
}
