package t2t.model.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The confusion matrix as a PNG: rows are true classes, columns predictions, each cell shaded by
 * its row-normalised rate (recall per class on the diagonal) with the count written in it; class
 * names on both axes. Java2D only, headless.
 */
public final class ConfusionMatrixPlot {

    private static final int CELL = 56;
    private static final int MAX_CELL_LABEL_CLASSES = 40;

    private ConfusionMatrixPlot() {}

    public static BufferedImage render(long[][] matrix, List<String> classNames, String title) {
        System.setProperty("java.awt.headless", "true");
        int n = matrix.length;
        if (classNames.size() != n) {
            throw new IllegalArgumentException(n + " classes but " + classNames.size() + " class names");
        }
        int cell = n <= 20 ? CELL : Math.max(6, 1100 / n);
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, Math.min(13, Math.max(8, cell / 4)));
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D pg = probe.createGraphics();
        FontMetrics fm = pg.getFontMetrics(labelFont);
        int maxName = 0;
        for (String s : classNames) {
            maxName = Math.max(maxName, fm.stringWidth(s));
        }
        pg.dispose();
        int left = maxName + 40;
        int top = 50;
        int bottom = maxName + 40;
        int right = 20;
        int w = left + n * cell + right;
        int h = top + n * cell + bottom;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, left, 28);

        g.setFont(labelFont);
        for (int i = 0; i < n; i++) {
            long rowSum = 0;
            for (long v : matrix[i]) {
                rowSum += v;
            }
            for (int j = 0; j < n; j++) {
                double rate = rowSum == 0 ? 0 : (double) matrix[i][j] / rowSum;
                g.setColor(shade(rate));
                int x = left + j * cell;
                int y = top + i * cell;
                g.fillRect(x, y, cell, cell);
                if (n <= MAX_CELL_LABEL_CLASSES && matrix[i][j] > 0) {
                    String s = Long.toString(matrix[i][j]);
                    g.setColor(rate > 0.5 ? Color.WHITE : Color.BLACK);
                    g.drawString(s, x + (cell - fm.stringWidth(s)) / 2, y + (cell + fm.getAscent()) / 2 - 2);
                }
            }
        }
        g.setColor(Color.GRAY);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(left, top, n * cell, n * cell);

        g.setColor(Color.BLACK);
        for (int i = 0; i < n; i++) {
            String s = classNames.get(i);
            g.drawString(s, left - 8 - fm.stringWidth(s), top + i * cell + (cell + fm.getAscent()) / 2 - 2);
        }
        AffineTransform saved = g.getTransform();
        for (int j = 0; j < n; j++) {
            String s = classNames.get(j);
            int x = left + j * cell + (cell + fm.getAscent()) / 2 - 2;
            int y = top + n * cell + 8;
            g.setTransform(saved);
            g.translate(x, y);
            g.rotate(Math.PI / 2);
            g.drawString(s, 0, 0);
        }
        g.setTransform(saved);
        g.setFont(new Font(Font.SANS_SERIF, Font.ITALIC, 12));
        g.drawString("predicted", left + n * cell / 2 - 25, h - 10);
        g.translate(14, top + n * cell / 2 + 20);
        g.rotate(-Math.PI / 2);
        g.drawString("true", 0, 0);
        g.dispose();
        return img;
    }

    /** Writes the PNG atomically (temp file, then rename). */
    public static void write(long[][] matrix, List<String> classNames, String title, Path png) throws IOException {
        BufferedImage img = render(matrix, classNames, title);
        Path dir = png.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".confusion", ".png.tmp");
        try {
            if (!ImageIO.write(img, "png", tmp.toFile())) {
                throw new IOException("no PNG writer available");
            }
            Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** White to deep blue. */
    private static Color shade(double rate) {
        double t = Math.max(0, Math.min(1, rate));
        int r = (int) Math.round(255 - t * (255 - 8));
        int gr = (int) Math.round(255 - t * (255 - 48));
        int b = (int) Math.round(255 - t * (255 - 107));
        return new Color(r, gr, b);
    }
}
