package t2t.model.layers;

import java.util.ArrayList;
import java.util.List;

/** One soft split: an {@code nn.Unfold(kernel, stride, padding)}. */
public record SplitSpec(int kernel, int stride, int padding) {

    public SplitSpec {
        if (kernel < 1 || stride < 1 || padding < 0 || padding >= kernel) {
            throw new IllegalArgumentException(
                    "soft split needs kernel >= 1, stride >= 1, 0 <= padding < kernel: " + this);
        }
    }

    /** The official schedule: 7/4/2, 3/2/1, 3/2/1 (total stride 16, 224 px -> 14x14 tokens). */
    public static final List<SplitSpec> OFFICIAL =
            List.of(new SplitSpec(7, 4, 2), new SplitSpec(3, 2, 1), new SplitSpec(3, 2, 1));

    /** Ours for 28-64 px inputs: 3/2/1, 3/2/1, 3/1/1 (total stride 4, 32 px -> 8x8 tokens). */
    public static final List<SplitSpec> SMALL =
            List.of(new SplitSpec(3, 2, 1), new SplitSpec(3, 2, 1), new SplitSpec(3, 1, 1));

    /** Output side length for an input side of {@code n}, as nn.Unfold computes it. */
    public int outSize(int n) {
        return (n + 2 * padding - kernel) / stride + 1;
    }

    /**
     * Parses {@code official}, {@code small}, or {@code k:s:p/k:s:p/...} (kernel:stride:padding
     * per split, at least two splits).
     */
    public static List<SplitSpec> parseSchedule(String text) {
        String t = text.trim();
        if (t.equals("official")) {
            return OFFICIAL;
        }
        if (t.equals("small")) {
            return SMALL;
        }
        List<SplitSpec> out = new ArrayList<>();
        for (String part : t.split("/")) {
            String[] f = part.split(":");
            if (f.length != 3) {
                throw new IllegalArgumentException("expected kernel:stride:padding, got '" + part + "'");
            }
            out.add(new SplitSpec(Integer.parseInt(f[0].trim()), Integer.parseInt(f[1].trim()),
                    Integer.parseInt(f[2].trim())));
        }
        if (out.size() < 2) {
            throw new IllegalArgumentException("a schedule needs at least two splits");
        }
        return List.copyOf(out);
    }

    public static String format(List<SplitSpec> schedule) {
        StringBuilder b = new StringBuilder();
        for (SplitSpec s : schedule) {
            if (b.length() > 0) {
                b.append('/');
            }
            b.append(s.kernel).append(':').append(s.stride).append(':').append(s.padding);
        }
        return b.toString();
    }
}
