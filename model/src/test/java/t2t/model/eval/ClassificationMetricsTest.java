package t2t.model.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassificationMetricsTest {

    // 7 classes, 4 samples
    private static final float[] LOGITS = {
        9, 1, 2, 3, 4, 5, 6, // label 0: rank 0 -> top-1
        0, 1, 2, 3, 4, 5, 6, // label 2: 4 classes above -> top-5 only
        0, 1, 2, 3, 4, 5, 6, // label 0: 6 classes above -> miss
        1, 1, 0, 0, 0, 0, 0, // label 1: tie with class 0, lower index wins -> top-5 only
    };
    private static final int[] LABELS = {0, 2, 0, 1};

    @Test
    void topKAndPerClass() {
        ClassificationMetrics m = new ClassificationMetrics(7);
        m.update(LOGITS, LABELS);
        assertEquals(4, m.count());
        assertEquals(0.25, m.top1(), 1e-12);
        assertEquals(0.75, m.top5(), 1e-12);
        double[] perClass = m.perClassAccuracy();
        assertEquals(0.5, perClass[0], 1e-12);
        assertEquals(0.0, perClass[1], 1e-12);
        assertTrue(Double.isNaN(perClass[3]));
        long[][] cm = m.confusionMatrix();
        assertEquals(1, cm[0][0]);
        assertEquals(1, cm[0][6]);
        assertEquals(1, cm[2][6]);
        assertEquals(1, cm[1][0]);
    }

    @Test
    void ndarrayInputAndMergeAgreeWithOneBigUpdate() {
        ClassificationMetrics whole = new ClassificationMetrics(7);
        whole.update(LOGITS, LABELS);
        ClassificationMetrics a = new ClassificationMetrics(7);
        ClassificationMetrics b = new ClassificationMetrics(7);
        try (NDManager nd = NDManager.newBaseManager()) {
            a.update(nd.create(java.util.Arrays.copyOf(LOGITS, 14), new Shape(2, 7)), nd.create(new int[] {0, 2}));
        }
        b.update(java.util.Arrays.copyOfRange(LOGITS, 14, 28), new int[] {0, 1});
        a.merge(b);
        assertEquals(whole.top1(), a.top1());
        assertEquals(whole.top5(), a.top5());
        for (int i = 0; i < 7; i++) {
            assertArrayEquals(whole.confusionMatrix()[i], a.confusionMatrix()[i]);
        }
    }

    @Test
    void nanLogitsCountAsWrong() {
        ClassificationMetrics m = new ClassificationMetrics(3);
        m.update(new float[] {Float.NaN, 0, 0, 5, 0, 0}, new int[] {0, 0});
        assertEquals(0.5, m.top1(), 1e-12);
        assertEquals(1, m.nanSamples());
        assertEquals(0.5, m.perClassAccuracy()[0], 1e-12);
        assertThrows(IllegalArgumentException.class, () -> m.update(new float[] {0, 0, 0}, new int[] {3}));
    }

    @Test
    void confusionPngHasTheMatrixShape(@TempDir Path dir) throws Exception {
        long[][] cm = {{50, 3, 0}, {4, 40, 6}, {0, 10, 37}};
        Path png = dir.resolve("plots/confusion.png");
        ConfusionMatrixPlot.write(cm, List.of("T-shirt/top", "Trouser", "Pullover"), "test top-1 0.847", png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(img.getWidth() > 3 * 56 && img.getHeight() > 3 * 56);
        assertEquals(1, Files.list(dir.resolve("plots")).count(), "no temp file left behind");
    }
}
