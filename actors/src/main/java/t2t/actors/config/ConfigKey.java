package t2t.actors.config;

import t2t.protocol.UserInputException;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One row of the run configuration table: a key (the flag name without {@code --}, timm's
 * train.py name where one exists), its type, default, validator and documentation.
 */
public final class ConfigKey<T> {
    public enum Type { STRING, INT, LONG, DOUBLE, BOOLEAN }

    private final String name;
    private final Type type;
    private final T defaultValue;
    private final Predicate<T> valid;
    private final String rule;
    private final String doc;
    private final Function<String, T> parser;
    private final List<String> choices;

    private ConfigKey(String name, Type type, T defaultValue, Predicate<T> valid, String rule, String doc,
                      Function<String, T> parser, List<String> choices) {
        this.name = name;
        this.type = type;
        this.defaultValue = defaultValue;
        this.valid = valid;
        this.rule = rule;
        this.doc = doc;
        this.parser = parser;
        this.choices = List.copyOf(choices);
    }

    public static ConfigKey<String> string(String name, String def, String doc) {
        return new ConfigKey<>(name, Type.STRING, def, v -> true, "", doc, s -> s, List.of());
    }

    public static ConfigKey<String> choice(String name, String def, List<String> choices, String doc) {
        return new ConfigKey<>(name, Type.STRING, def, choices::contains, "one of " + String.join("|", choices), doc,
                s -> s.toLowerCase(Locale.ROOT), choices);
    }

    public static ConfigKey<Integer> integer(String name, int def, int min, int max, String doc) {
        return new ConfigKey<>(name, Type.INT, def, v -> v >= min && v <= max, "an integer in [" + min + ", " + max + "]",
                doc, Integer::parseInt, List.of());
    }

    public static ConfigKey<Long> longInt(String name, long def, long min, long max, String doc) {
        return new ConfigKey<>(name, Type.LONG, def, v -> v >= min && v <= max, "an integer in [" + min + ", " + max + "]",
                doc, Long::parseLong, List.of());
    }

    public static ConfigKey<Double> real(String name, double def, double min, double max, String doc) {
        return new ConfigKey<>(name, Type.DOUBLE, def, v -> v >= min && v <= max && !Double.isNaN(v),
                "a number in [" + min + ", " + max + "]", doc, Double::parseDouble, List.of());
    }

    public static ConfigKey<Boolean> flag(String name, boolean def, String doc) {
        return new ConfigKey<>(name, Type.BOOLEAN, def, v -> true, "true or false", doc, ConfigKey::parseBoolean, List.of());
    }

    private static Boolean parseBoolean(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> Boolean.TRUE;
            case "false", "no", "off", "0" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException(s);
        };
    }

    public String name() { return name; }

    public Type type() { return type; }

    public T defaultValue() { return defaultValue; }

    public String doc() { return doc; }

    /** The values a choice key accepts; empty for every other key. */
    public List<String> choices() { return choices; }

    /** Parses and validates a raw value; the error names the key and what it accepts. */
    public T parse(String raw, String source) {
        T value;
        try {
            value = parser.apply(raw.trim());
        } catch (RuntimeException e) {
            throw new UserInputException(source + ": '" + name + "' got '" + raw + "', expected " + describe());
        }
        if (!valid.test(value)) {
            throw new UserInputException(source + ": '" + name + "' got '" + raw + "', expected " + describe());
        }
        return value;
    }

    private String describe() {
        if (!rule.isEmpty()) {
            return rule;
        }
        return switch (type) {
            case INT, LONG -> "an integer";
            case DOUBLE -> "a number";
            case BOOLEAN -> "true or false";
            case STRING -> "a string";
        };
    }

    @Override
    public String toString() {
        return name;
    }
}
