package t2t.ops.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.PrintStream;

/**
 * {@code --json} output: exactly one JSON object on stdout, as its last line. Progress and logs
 * go to stderr.
 */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    /** Prints {@code value} (a map or record) as one JSON line on stdout. */
    public static void print(Object value) {
        PrintStream out = System.out;
        try {
            out.println(MAPPER.writeValueAsString(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize JSON output", e);
        }
        out.flush();
    }

    public static void flush() {
        System.out.flush();
        System.err.flush();
    }
}
