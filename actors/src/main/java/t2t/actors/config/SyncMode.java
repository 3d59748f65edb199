package t2t.actors.config;

import t2t.protocol.UserInputException;

/**
 * How aggregators release an update. {@code sync}: every live worker's gradient for the step,
 * averaged. {@code stale:S}: a worker may compute step t with parameters as old as update t-1-S
 * (up to S steps ahead of the slowest worker); each update still averages every worker's gradient
 * of its step. {@code local:H}: each worker applies its own optimizer every step; the replicas are
 * averaged every H steps and at every checkpoint step (optimizer state stays local; see
 * {@link t2t.actors.runtime.LocalSgd}).
 */
public record SyncMode(Kind kind, int parameter) {
    public enum Kind { SYNC, STALE, LOCAL }

    public static SyncMode parse(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("sync")) {
            return new SyncMode(Kind.SYNC, 0);
        }
        int colon = t.indexOf(':');
        if (colon > 0) {
            String kind = t.substring(0, colon);
            int p;
            try {
                p = Integer.parseInt(t.substring(colon + 1));
            } catch (NumberFormatException e) {
                p = -1;
            }
            if (p >= 1 && (kind.equals("stale") || kind.equals("local"))) {
                return new SyncMode(kind.equals("stale") ? Kind.STALE : Kind.LOCAL, p);
            }
        }
        throw new UserInputException("'sync' got '" + s + "', expected sync, stale:S or local:H with S, H >= 1");
    }

    /** For people: "synchronous updates", "bounded staleness 2", "local SGD, averaged every 4 steps". */
    public String describe() {
        return switch (kind) {
            case SYNC -> "synchronous updates";
            case STALE -> "bounded staleness " + parameter;
            case LOCAL -> "local SGD, averaged every " + parameter + (parameter == 1 ? " step" : " steps");
        };
    }

    @Override
    public String toString() {
        return kind == Kind.SYNC ? "sync" : kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + parameter;
    }
}
