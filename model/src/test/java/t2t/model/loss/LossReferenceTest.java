package t2t.model.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static t2t.model.testing.References.floats;
import static t2t.model.testing.References.ints;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import t2t.model.testing.References;

/** Loss values and gradients against torch 1.13 (resources/objective/make_references.py). */
class LossReferenceTest {

    private static final JsonNode REF = References.load("/objective/references.json").get("losses");
    private static final int B = REF.get("B").asInt();
    private static final int C = REF.get("C").asInt();
    private static final int N = REF.get("N").asInt();

    private NDManager m;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    private NDArray arr(String key, long... shape) {
        return m.create(floats(REF.get(key)), new Shape(shape));
    }

    private static void near(double expected, NDArray actual, String what) {
        assertEquals(expected, actual.getFloat(), 1e-5 * Math.max(1, Math.abs(expected)), what);
    }

    @Test
    void softTargetCrossEntropy() {
        near(REF.get("soft_ce").asDouble(), SoftTargetCrossEntropy.apply(arr("cls", B, C), arr("targets", B, C)), "soft CE");
    }

    @Test
    void labelSmoothingMatchesTimmAndSmoothedSoftTargets() {
        NDArray labels = m.create(ints(REF.get("labels")));
        NDArray logits = arr("cls", B, C);
        near(REF.get("smooth_ce_0.1").asDouble(), new LabelSmoothingCrossEntropy(0.1).apply(logits, labels), "smoothing 0.1");
        near(REF.get("smooth_ce_0.0").asDouble(), new LabelSmoothingCrossEntropy(0.0).apply(logits, labels), "smoothing 0");
        // timm's mixup smoothing + SoftTargetCrossEntropy is the same loss
        NDArray smoothed = LabelSmoothingCrossEntropy.smoothedOneHot(labels, C, 0.1);
        near(REF.get("smooth_ce_0.1").asDouble(), SoftTargetCrossEntropy.apply(logits, smoothed), "smoothed one-hot");
        assertEquals(B, smoothed.sum().getFloat(), 1e-5);
    }

    @Test
    void softDistillationDividesByNumelAndScalesByTauSquared() {
        NDArray s = arr("dist", B, C);
        NDArray t = arr("teacher", B, C);
        near(REF.get("kd_soft_tau1").asDouble(), new DistillationLoss(DistillationType.SOFT, 1.0).apply(s, t), "tau 1");
        near(REF.get("kd_soft_tau3").asDouble(), new DistillationLoss(DistillationType.SOFT, 3.0).apply(s, t), "tau 3");
        // the KL of a distribution with itself is zero
        assertEquals(0, new DistillationLoss(DistillationType.SOFT, 2.0).apply(t, t).getFloat(), 1e-6);
    }

    @Test
    void hardDistillationIsCrossEntropyOnTeacherArgmax() {
        near(REF.get("kd_hard").asDouble(),
                new DistillationLoss(DistillationType.HARD, 1.0).apply(arr("dist", B, C), arr("teacher", B, C)), "hard");
    }

    @Test
    void denseTokenLossIsMeanOverAllTokens() {
        near(REF.get("dense").asDouble(),
                TokenLabelLoss.apply(arr("aux", B, N, C), arr("token_targets", B, N, C)), "dense");
    }

    @Test
    void objectiveValueAndGradientsReachEveryHead() {
        JsonNode o = REF.get("objective");
        Objective obj = Objective.builder()
                .optDistillation(DistillationType.SOFT, o.get("alpha").asDouble(), o.get("tau").asDouble())
                .optTokenLabel(o.get("cls_weight").asDouble(), o.get("dense_weight").asDouble())
                .build();
        NDArray cls = arr("cls", B, C);
        NDArray dist = arr("dist", B, C);
        NDArray aux = arr("aux", B, N, C);
        cls.setRequiresGradient(true);
        dist.setRequiresGradient(true);
        aux.setRequiresGradient(true);
        LossParts parts;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            Objective.Result r = obj.compute(cls, dist, aux, arr("targets", B, C), arr("teacher", B, C),
                    arr("token_targets", B, N, C));
            gc.backward(r.total());
            parts = r.parts();
        }
        assertEquals(o.get("total").asDouble(), parts.total(), 1e-5);
        assertEquals(o.get("base").asDouble(), parts.base(), 1e-5);
        assertEquals(o.get("distill").asDouble(), parts.distill(), 1e-5);
        assertEquals(o.get("dense").asDouble(), parts.dense(), 1e-5);
        assertTrue(References.maxAbsDiff(floats(o.get("grad_cls")), cls.getGradient().toFloatArray()) < 1e-6, "cls grad");
        assertTrue(References.maxAbsDiff(floats(o.get("grad_dist")), dist.getGradient().toFloatArray()) < 1e-6, "dist grad");
        assertTrue(References.maxAbsDiff(floats(o.get("grad_aux")), aux.getGradient().toFloatArray()) < 1e-6, "aux grad");
        assertTrue(aux.getGradient().abs().sum().getFloat() > 0, "aux head receives gradient");
    }

    @Test
    void hardDistillationWithoutDistTokenUsesClsHead() {
        JsonNode o = REF.get("objective_hard_no_dist");
        Objective obj = Objective.builder().optDistillation(DistillationType.HARD, o.get("alpha").asDouble(), 1.0).build();
        NDArray cls = arr("cls", B, C);
        cls.setRequiresGradient(true);
        float total;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            Objective.Result r = obj.compute(cls, null, null, arr("targets", B, C), arr("teacher", B, C), null);
            gc.backward(r.total());
            total = r.total().getFloat();
        }
        assertEquals(o.get("total").asDouble(), total, 1e-5);
        assertTrue(References.maxAbsDiff(floats(o.get("grad_cls")), cls.getGradient().toFloatArray()) < 1e-6);
    }

    @Test
    void noDistillationIsTheBaseLossAlone() {
        Objective obj = Objective.builder().build();
        Objective.Result r = obj.compute(arr("cls", B, C), null, null, arr("targets", B, C), null, null);
        near(REF.get("soft_ce").asDouble(), r.total(), "base only");
        assertEquals(0f, r.parts().distill());
        assertEquals(0f, r.parts().dense());
    }

    @Test
    void missingConfiguredInputsAreErrorsNotSilentSkips() {
        Objective distil = Objective.builder().optDistillation(DistillationType.SOFT, 0.5, 1).build();
        assertThrows(IllegalArgumentException.class,
                () -> distil.compute(arr("cls", B, C), null, null, arr("targets", B, C), null, null));
        Objective tl = Objective.builder().optTokenLabel(1, 1).build();
        assertThrows(IllegalArgumentException.class,
                () -> tl.compute(arr("cls", B, C), null, arr("aux", B, N, C), arr("targets", B, C), null, null));
        assertThrows(IllegalArgumentException.class, () -> tl.compute(arr("cls", B, C), null,
                arr("aux", B, N, C), arr("targets", B, C), null, arr("token_targets", B * N, C)));
        assertThrows(t2t.protocol.UserInputException.class, () -> DistillationType.parse("kl"));
        assertEquals(DistillationType.HARD, DistillationType.parse("Hard"));
    }
}
