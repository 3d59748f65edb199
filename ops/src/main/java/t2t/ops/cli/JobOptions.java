package t2t.ops.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import t2t.actors.config.ConfigKey;
import t2t.actors.config.JobConfig;
import t2t.protocol.UserInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns the run configuration table into command-line options ({@code --key value}; booleans also
 * as a bare {@code --key}) and resolves defaults, then {@code --config FILE} (HOCON or JSON with the
 * same key names), then flags.
 */
public final class JobOptions {
    private JobOptions() {}

    /** Adds one option per table key to {@code spec}. */
    public static void addTo(CommandSpec spec) {
        for (ConfigKey<?> k : JobConfig.keys()) {
            OptionSpec.Builder b = OptionSpec.builder("--" + k.name())
                    .type(String.class)
                    .paramLabel(paramLabel(k))
                    .description(k.doc() + " (default: " + (String.valueOf(k.defaultValue()).isEmpty() ? "\"\""
                            : k.defaultValue()) + ")");
            if (k.type() == ConfigKey.Type.BOOLEAN) {
                b.arity("0..1").fallbackValue("true");
            }
            spec.addOption(b.build());
        }
    }

    /** What the value looks like in --help: the choices themselves, else the type. */
    private static String paramLabel(ConfigKey<?> k) {
        if (!k.choices().isEmpty()) {
            return String.join("|", k.choices());
        }
        return switch (k.type()) {
            case BOOLEAN -> "BOOL";
            case INT, LONG -> "INT";
            case DOUBLE -> "NUM";
            case STRING -> "TEXT";
        };
    }

    /** The flags the user actually gave, as raw strings keyed by table name. */
    public static Map<String, String> givenFlags(CommandSpec spec) {
        Map<String, String> flags = new LinkedHashMap<>();
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        for (ConfigKey<?> k : JobConfig.keys()) {
            OptionSpec o = spec.findOption("--" + k.name());
            if (o != null && pr.hasMatchedOption(o)) {
                flags.put(k.name(), String.valueOf((Object) o.getValue()));
            }
        }
        return flags;
    }

    public static JobConfig resolve(Path configFile, Map<String, String> flags) {
        return JobConfig.resolve(configFile == null ? Map.of() : readFile(configFile), flags);
    }

    /**
     * HOCON's {@code include} skips a missing file without a word and may read from the class path or
     * a URL; one file per run keeps what a run was given in one place (saved as its config.json).
     */
    private static final ConfigIncluder REFUSE_INCLUDES = new ConfigIncluder() {
        @Override
        public ConfigIncluder withFallback(ConfigIncluder fallback) {
            return this;
        }

        @Override
        public ConfigObject include(ConfigIncludeContext context, String what) {
            throw new ConfigException.Generic("'include \"" + what + "\"' is not supported: copy its keys into this "
                    + "file (a run's whole configuration lives in one file)");
        }
    };

    /**
     * Flat key = value pairs from a HOCON/JSON file; nested objects are refused (the table is flat).
     * {@code ${NAME}} substitutions resolve against the file and the environment.
     */
    public static Map<String, String> readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException("--config " + file + ": no such file");
        }
        Config c;
        try {
            c = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)
                    .setIncluder(REFUSE_INCLUDES)).resolve();
        } catch (ConfigException.UnresolvedSubstitution e) {
            throw new UserInputException("--config " + file + ": " + e.getMessage()
                    + " (a ${NAME} is read from the environment: set it, or write the value)");
        } catch (ConfigException e) {
            throw new UserInputException("--config " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : c.root().entrySet()) {
            Object v = e.getValue().unwrapped();
            if (v instanceof Map || v instanceof java.util.List) {
                throw new UserInputException("--config " + file + ": '" + e.getKey()
                        + "' must be a plain value (the config is flat: key = value)");
            }
            out.put(e.getKey(), String.valueOf(v));
        }
        return out;
    }
}
