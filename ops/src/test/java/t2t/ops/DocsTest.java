package t2t.ops;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import t2t.actors.config.ConfigKey;
import t2t.actors.config.JobConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README.md and docs/*.md say only what the code has (STYLE rule 12): every {@code --flag} in their
 * code spans and blocks is an option of some {@code t2t} command or a key of the job configuration
 * table, and every relative link points at a file of the repository. docs/metrics.md against a
 * node's endpoint: {@code MetricsDocsTest} (actors).
 */
class DocsTest {
    private static final Path ROOT = Path.of("..");
    private static final Pattern FENCE = Pattern.compile("(?s)```.*?```");
    private static final Pattern SPAN = Pattern.compile("`[^`\n]+`");
    private static final Pattern FLAG = Pattern.compile("(?<![\\w-])--([a-z][a-z0-9-]*)");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    @Test
    void everyFlagInTheDocsExists() throws IOException {
        Set<String> known = knownFlags();
        List<String> unknown = new ArrayList<>();
        int seen = 0;
        for (Path doc : docs()) {
            String text = Files.readString(doc);
            List<String> code = new ArrayList<>();
            Matcher fences = FENCE.matcher(text);
            while (fences.find()) {
                code.add(fences.group());
            }
            Matcher spans = SPAN.matcher(FENCE.matcher(text).replaceAll(""));
            while (spans.find()) {
                code.add(spans.group());
            }
            for (String c : code) {
                Matcher f = FLAG.matcher(c);
                while (f.find()) {
                    seen++;
                    if (!known.contains(f.group(1))) {
                        unknown.add(ROOT.relativize(doc) + ": --" + f.group(1));
                    }
                }
            }
        }
        assertTrue(seen > 100, "the docs' flags were found (" + seen + ")");
        assertTrue(unknown.isEmpty(), "flags in the docs that no t2t command or config key has: " + unknown);
    }

    @Test
    void everyRelativeLinkResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path doc : docs()) {
            Matcher m = LINK.matcher(Files.readString(doc));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("[a-z]+:.*") || target.startsWith("#")) {
                    continue;
                }
                String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                Path resolved = doc.getParent().resolve(file).normalize();
                if (!Files.exists(resolved) || !resolved.toAbsolutePath().startsWith(ROOT.toAbsolutePath().normalize())) {
                    broken.add(ROOT.relativize(doc) + ": " + target);
                }
            }
        }
        assertTrue(broken.isEmpty(), "links to no file of the repository: " + broken);
    }

    @Test
    void aMadeUpFlagIsCaught() throws IOException {
        assertFalse(knownFlags().contains("no-such-flag"));
        Matcher f = FLAG.matcher("`./t2t train --no-such-flag 3 -Dx=1 a--b`");
        assertTrue(f.find());
        assertTrue(f.group(1).equals("no-such-flag") && !f.find(), "one flag, no false hits");
    }

    /**
     * Every option of every {@code t2t} command and subcommand, every job configuration key, and the
     * options of the testbed script that {@code t2t bench scaling} passes its flags to.
     */
    private static Set<String> knownFlags() throws IOException {
        Set<String> flags = new TreeSet<>();
        collect(Main.commandLine(), flags);
        for (ConfigKey<?> k : JobConfig.keys()) {
            flags.add(k.name());
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("add_argument\\('--([a-z0-9-]+)'")
                .matcher(Files.readString(ROOT.resolve("ops/testbed/scaling.py")));
        while (m.find()) {
            flags.add(m.group(1));
        }
        return flags;
    }

    private static void collect(CommandLine cl, Set<String> flags) {
        for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
            for (String name : o.names()) {
                if (name.startsWith("--")) {
                    flags.add(name.substring(2));
                }
            }
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            collect(sub, flags);
        }
    }

    private static List<Path> docs() throws IOException {
        List<Path> out = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("BENCHMARKS.md")));
        try (Stream<Path> s = Files.list(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(out::add);
        }
        return out;
    }
}
