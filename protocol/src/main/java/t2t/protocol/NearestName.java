package t2t.protocol;

import java.util.Collection;
import java.util.Optional;

/**
 * The known name closest to a mistyped one (Levenshtein distance), for "did you mean" hints on
 * config keys, flags and subcommands alike. A name counts as close when at most
 * max(2, length / 3) edits away, so short typos match and unrelated words do not.
 */
public final class NearestName {
    private NearestName() {}

    public static Optional<String> of(String unknown, Collection<String> known) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String k : known) {
            int d = editDistance(unknown, k);
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        return best != null && bestD <= Math.max(2, unknown.length() / 3) ? Optional.of(best) : Optional.empty();
    }

    /** {@code "; did you mean 'x'?"}, or empty when no known name is close. */
    public static String hint(String unknown, Collection<String> known) {
        return of(unknown, known).map(k -> "; did you mean '" + k + "'?").orElse("");
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
