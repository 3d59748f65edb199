package t2t.model.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FlatLayoutTest {

    private static final List<FlatLayout.Entry> ENTRIES = List.of(
            new FlatLayout.Entry("cls_token", new long[] {1, 1, 4}, true),
            new FlatLayout.Entry("pos_embed", new long[] {1, 5, 4}, false),
            new FlatLayout.Entry("dist_token", new long[] {1, 1, 4}, true),
            new FlatLayout.Entry("blocks.0.norm1.weight", new long[] {4}, true),
            new FlatLayout.Entry("blocks.0.attn.qkv.weight", new long[] {12, 4}, true),
            new FlatLayout.Entry("blocks.0.attn.proj.bias", new long[] {4}, true),
            new FlatLayout.Entry("head.weight", new long[] {3, 4}, true));

    @Test
    void standardRuleSkipsOneDimTokensAndPositions() {
        FlatLayout l = FlatLayout.of(ENTRIES);
        assertEquals(4 + 4 + 4 + 48 + 4 + 12, l.size());
        assertFalse(l.slot("cls_token").decay());
        assertFalse(l.slot("dist_token").decay());
        assertFalse(l.slot("blocks.0.norm1.weight").decay());
        assertTrue(l.slot("blocks.0.attn.qkv.weight").decay());
        assertFalse(l.slot("blocks.0.attn.proj.bias").decay());
        assertTrue(l.slot("head.weight").decay());
        assertEquals(List.of("pos_embed"), l.frozen().stream().map(FlatLayout.Entry::name).toList());
        assertEquals(12, l.slot("blocks.0.attn.qkv.weight").offset());
    }

    @Test
    void overrideExemptsNamedTensors() {
        FlatLayout l = FlatLayout.of(ENTRIES, DecayRule.standard().exceptNames(Set.of("head.weight")));
        assertFalse(l.slot("head.weight").decay());
        assertTrue(l.slot("blocks.0.attn.qkv.weight").decay());
    }

    @Test
    void masksMergeRunsAndFollowSliceCuts() {
        FlatLayout l = FlatLayout.of(ENTRIES);
        DecayMask whole = l.decayMask(0, l.size());
        // tokens + norm (12, no decay), qkv (48, decay), bias (4, no), head (12, decay)
        assertArrayEquals(new int[] {0, 12, 60, 64, 76}, whole.bounds());
        assertArrayEquals(new boolean[] {false, true, false, true}, whole.decay());
        DecayMask cut = l.decayMask(50, 12);
        assertArrayEquals(new int[] {0, 10, 12}, cut.bounds());
        assertArrayEquals(new boolean[] {true, false}, cut.decay());
        assertThrows(IllegalArgumentException.class, () -> l.decayMask(70, 10));
    }

    @Test
    void shardsTileTheVector() {
        FlatLayout l = FlatLayout.of(ENTRIES);
        List<FlatLayout.Range> shards = l.shards(5);
        int next = 0;
        for (FlatLayout.Range r : shards) {
            assertEquals(next, r.offset());
            next = r.end();
            assertTrue(r.length() == 15 || r.length() == 16);
        }
        assertEquals(l.size(), next);
    }

    @Test
    void emaFollowsTimmModelEmaV2() {
        float[] ema = {1f, 2f};
        float[] model = {3f, -2f};
        ModelEma e = new ModelEma(0.9);
        e.update(ema, 0, model, 0, 2);
        assertEquals(0.9f * 1 + 0.1f * 3, ema[0], 1e-6);
        assertEquals(0.9f * 2 + 0.1f * -2, ema[1], 1e-6);
    }

    @Test
    void clipDoesNotScaleUpAndOffMeansOne() {
        assertEquals(1f, GradClip.scale(new double[] {0.25, 0.0}, 5).scale());
        assertEquals(1f, GradClip.scale(new double[] {100, 300}, 0).scale());
        assertEquals(1.0 / (20 + 1e-6), GradClip.scale(new double[] {100, 300}, 1).scale(), 1e-7);
        assertFalse(GradClip.scale(new double[] {Double.NaN}, 1).finite());
    }
}
