package t2t.ops;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import t2t.protocol.NearestName;

import java.util.ArrayList;
import java.util.List;

/**
 * What to say about an argument no command or option matches: an unknown flag with the nearest
 * flag of the same command, or an unknown subcommand with the nearest subcommand (the same
 * "did you mean" rule as unknown config keys).
 */
final class UnknownArgument {
    private UnknownArgument() {}

    static String describe(String arg, CommandSpec spec) {
        if (arg.startsWith("-")) {
            String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            List<String> flags = new ArrayList<>();
            for (OptionSpec o : spec.options()) {
                flags.addAll(List.of(o.names()));
            }
            return "unknown option '" + flag + "'" + NearestName.hint(flag, flags);
        }
        if (!spec.subcommands().isEmpty()) {
            return "unknown command '" + arg + "'" + NearestName.hint(arg, spec.subcommands().keySet());
        }
        return "unexpected argument '" + arg + "'";
    }
}
