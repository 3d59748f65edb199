package t2t.model;

import t2t.protocol.UserInputException;

import java.util.LinkedHashMap;
import java.util.Map;

/** Parses {@code --model-args k=v,k=v} into an ordered map. */
public final class ModelArgs {
    private ModelArgs() {}

    public static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new UserInputException("bad --model-args entry '" + p + "': expected key=value, e.g. num_classes=10");
            }
            out.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
        }
        return out;
    }
}
