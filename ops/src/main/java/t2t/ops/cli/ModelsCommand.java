package t2t.ops.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import t2t.model.ModelRegistry;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code t2t models}: every registered variant with its size and cost. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List the registered model variants: tokens type, embed dim, depth, heads, mlp ratio, "
                + "params (all / trainable), GMACs at the default input size.")
public final class ModelsCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print one JSON object {\"models\": [...]} as the last stdout line.")
    boolean json;

    @Override
    public Integer call() {
        List<Map<String, Object>> rows = ModelRegistry.describeAll();
        if (json) {
            Json.print(Map.of("models", rows));
            return 0;
        }
        System.out.printf("%-20s %-12s %5s %5s %5s %5s %12s %12s %7s%n",
                "name", "tokens", "dim", "depth", "heads", "mlp", "params", "trainable", "GMACs");
        for (Map<String, Object> r : rows) {
            Object gmacs = r.get("gmacs");
            System.out.printf("%-20s %-12s %5s %5s %5s %5s %,12d %,12d %7s%n",
                    r.get("name"), cell(r, "tokens_type"), cell(r, "embed_dim"), cell(r, "depth"), cell(r, "num_heads"),
                    cell(r, "mlp_ratio"), ((Number) r.get("params")).longValue(),
                    ((Number) r.get("params_trainable")).longValue(),
                    gmacs == null ? "-" : String.format(java.util.Locale.ROOT, "%.2f", ((Number) gmacs).doubleValue()));
        }
        return 0;
    }

    private static Object cell(Map<String, Object> row, String key) {
        Object v = row.get(key);
        return v == null ? "-" : v;
    }
}
