package t2t.model.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static t2t.model.testing.References.floats;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import t2t.model.testing.References;

/**
 * AdamW over slices against torch.optim.AdamW, 5 steps, to 1e-6: one group with decay everywhere,
 * torch param groups with decay off for the bias and cls_token (what DecayRule.standard() yields),
 * and clip_grad_norm_ before each step.
 */
class AdamWReferenceTest {

    private static final JsonNode REF = References.load("/objective/references.json").get("adamw");

    private static FlatLayout layout(DecayRule rule) {
        List<FlatLayout.Entry> entries = new ArrayList<>();
        for (int i = 0; i < REF.get("names").size(); i++) {
            JsonNode s = REF.get("shapes").get(i);
            long[] shape = new long[s.size()];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = s.get(d).asLong();
            }
            entries.add(new FlatLayout.Entry(REF.get("names").get(i).asText(), shape, true));
        }
        return FlatLayout.of(entries, rule);
    }

    /** Runs 5 steps with the layout cut into {@code shards} independent slices, as aggregators would. */
    private static void check(String caseName, DecayRule rule, boolean clip, int shards) {
        FlatLayout layout = layout(rule);
        float[] params = floats(REF.get("init"));
        assertEquals(layout.size(), params.length);
        AdamW adamw = new AdamW(AdamW.Hyper.DEFAULT.withWeightDecay(REF.get("weight_decay").asDouble()));
        List<FlatLayout.Range> ranges = layout.shards(shards);
        AdamWState[] states = new AdamWState[shards];
        for (int s = 0; s < shards; s++) {
            states[s] = AdamWState.zeros(ranges.get(s).offset(), ranges.get(s).length());
        }
        JsonNode expected = REF.get("cases").get(caseName);
        for (int k = 0; k < 5; k++) {
            float[] grads = floats(REF.get("grads").get(k));
            float scale = 1f;
            if (clip) {
                double[] sums = new double[shards];
                for (int s = 0; s < shards; s++) {
                    sums[s] = GradClip.sumOfSquares(grads, ranges.get(s).offset(), ranges.get(s).length());
                }
                GradClip.Result r = GradClip.scale(sums, REF.get("max_norm").asDouble());
                assertEquals(expected.get("norms").get(k).asDouble(), r.totalNorm(), 1e-5, "norm at step " + k);
                scale = r.scale();
            }
            double lr = REF.get("lrs").get(k).asDouble();
            for (int s = 0; s < shards; s++) {
                FlatLayout.Range r = ranges.get(s);
                states[s] = adamw.step(params, r.offset(), grads, r.offset(), scale, states[s],
                        layout.decayMask(r.offset(), r.length()), lr);
            }
            double diff = References.maxAbsDiff(floats(expected.get("params").get(k)), params);
            assertTrue(diff < 1e-6, caseName + " step " + (k + 1) + " differs by " + diff);
        }
        for (AdamWState st : states) {
            assertEquals(5, st.step());
        }
    }

    @Test
    void decayEverywhereMatchesTorch() {
        check("all_decay", (name, shape) -> true, false, 1);
    }

    @Test
    void standardRuleMatchesTorchParamGroups() {
        check("groups", DecayRule.standard(), false, 1);
    }

    @Test
    void shardedSlicesGiveTheSameResult() {
        // 3 shards of 20 elements cut through the weight and the bias: the mask follows the cut
        check("groups", DecayRule.standard(), false, 3);
        check("groups_clip", DecayRule.standard(), true, 4);
    }

    @Test
    void clippingMatchesClipGradNorm() {
        check("groups_clip", DecayRule.standard(), true, 1);
    }

    @Test
    void zeroWeightDecayMaskLeavesDecayOut() {
        // with decay forced off everywhere, the result must differ from all_decay (the mask matters)
        FlatLayout on = layout((n, s) -> true);
        FlatLayout off = layout((n, s) -> false);
        float[] a = floats(REF.get("init"));
        float[] b = a.clone();
        float[] g = floats(REF.get("grads").get(0));
        AdamW adamw = new AdamW(AdamW.Hyper.DEFAULT.withWeightDecay(0.5));
        adamw.step(a, 0, g, 0, 1f, AdamWState.zeros(0, a.length), on.decayMask(0, a.length), 0.1);
        adamw.step(b, 0, g, 0, 1f, AdamWState.zeros(0, b.length), off.decayMask(0, b.length), 0.1);
        assertTrue(References.maxAbsDiff(a, b) > 1e-3);
    }

    @Test
    void stateRoundTripsAsPlainArrays() {
        FlatLayout layout = layout(DecayRule.standard());
        int n = layout.size();
        AdamW adamw = new AdamW(AdamW.Hyper.DEFAULT);
        float[] straight = floats(REF.get("init"));
        float[] resumed = straight.clone();
        AdamWState s1 = AdamWState.zeros(0, n);
        AdamWState s2 = AdamWState.zeros(0, n);
        DecayMask mask = layout.decayMask(0, n);
        for (int k = 0; k < 5; k++) {
            float[] g = floats(REF.get("grads").get(k));
            s1 = adamw.step(straight, 0, g, 0, 1f, s1, mask, 1e-3);
            s2 = adamw.step(resumed, 0, g, 0, 1f, s2, mask, 1e-3);
            if (k == 2) {
                // checkpoint: plain arrays and a step count, restored into a new record
                AdamWState saved = s2.copy();
                s2 = new AdamWState(saved.offset(), saved.step(), saved.expAvg().clone(), saved.expAvgSq().clone());
            }
        }
        assertArrayEquals(straight, resumed);
        assertEquals(5, s2.step());
    }
}
