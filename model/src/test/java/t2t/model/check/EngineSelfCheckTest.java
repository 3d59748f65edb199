package t2t.model.check;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import t2t.model.layers.SoftSplit;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@org.junit.jupiter.api.extension.ExtendWith(IsaCap.class)
class EngineSelfCheckTest {

    @Test
    void theEnginePassesEveryCheckOnThisCpuInUnderASecond() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.zeros(new ai.djl.ndarray.types.Shape(1)); // loads the engine: not part of the check
        }
        EngineSelfCheck.Result r = EngineSelfCheck.run(EngineSelfCheck.standard());
        assertTrue(r.ok(), () -> r.describe(CpuInfo.read()));
        assertTrue(r.nanos() < 1_000_000_000L, "self-check took " + r.nanos() / 1e6 + " ms");
        assertEquals(7, EngineSelfCheck.standard().size());
    }

    @Test
    void aSoftSplitWithRowsAndColumnsSwappedFailsNamingTheOp() {
        EngineSelfCheck.Result r = EngineSelfCheck.run(List.of(
                EngineSelfCheck.softSplit((x, spec) -> new SoftSplit(spec).apply(x.transpose(0, 1, 3, 2))),
                EngineSelfCheck.softSplitBackward((x, spec) -> new SoftSplit(spec).apply(x.transpose(0, 1, 3, 2)))));
        assertFalse(r.ok());
        assertEquals(List.of("soft split", "soft split backward"), r.failures().stream().map(EngineSelfCheck.Failure::op).toList());
        String line = r.describe(CpuInfo.read());
        assertTrue(line.contains("soft split is off by") && line.contains("ONEDNN_MAX_CPU_ISA=AVX2")
                && line.contains("oneDNN cap"), line);
    }

    @Test
    void aSoftSplitOffByOneElementFails() {
        // the smallest corruption: one output element changed
        EngineSelfCheck.Result r = EngineSelfCheck.run(List.of(EngineSelfCheck.softSplit((x, spec) -> {
            NDArray y = new SoftSplit(spec).apply(x).duplicate();
            float[] v = y.toFloatArray();
            v[v.length / 2] += 1e-3f;
            return x.getManager().create(v, y.getShape());
        })));
        assertFalse(r.ok());
    }

    @Test
    void theTanhApproximationOfGeluFails() {
        EngineSelfCheck.Result r = EngineSelfCheck.run(List.of(EngineSelfCheck.gelu(x -> {
            NDManager m = x.getManager();
            NDArray inner = x.add(x.pow(3).mul(0.044715f)).mul((float) Math.sqrt(2 / Math.PI)).tanh();
            return x.mul(0.5f).mul(inner.add(1f));
        })));
        assertEquals(1, r.failures().size());
        assertEquals("gelu", r.failures().get(0).op());
    }

    @Test
    void nanAndThrowingOpsFail() {
        EngineSelfCheck.Result r = EngineSelfCheck.run(List.of(
                EngineSelfCheck.gelu(x -> x.mul(Float.NaN)),
                EngineSelfCheck.gelu(x -> {
                    throw new IllegalStateException("unsupported on this CPU");
                })));
        assertEquals(2, r.failures().size());
    }

    @Test
    void erfReferenceMatchesKnownValues() {
        double[][] known = {{0.1, 0.1124629160182849}, {0.5, 0.5204998778130465}, {1.0, 0.8427007929497149},
                {2.0, 0.9953222650189527}, {2.5, 0.9995930479825550}, {3.0, 0.9999779095030014},
                {4.0, 0.9999999845827421}, {-1.5, -0.9661051464753108}};
        for (double[] k : known) {
            assertEquals(k[1], EngineSelfCheck.erf(k[0]), 1e-13, "erf(" + k[0] + ")");
        }
    }

    @Test
    void isaCapsAreComparedWithTheCpuFlags() {
        CpuInfo avx2 = new CpuInfo("test", java.util.Set.of("sse4_1", "avx2"));
        assertTrue(avx2.supportsCap("AVX2"));
        assertTrue(avx2.supportsCap("SSE41"));
        assertFalse(avx2.supportsCap("AVX512_CORE"));
        assertTrue(avx2.supportsCap("ALL"));
    }
}
