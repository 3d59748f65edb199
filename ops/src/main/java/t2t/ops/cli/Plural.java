package t2t.ops.cli;

/** "1 epoch", "5 epochs": a count with its noun, for the lines people read. */
public final class Plural {
    private Plural() {}

    public static String of(Object count, String noun) {
        return count + " " + noun + ("1".equals(String.valueOf(count)) ? "" : "s");
    }
}
