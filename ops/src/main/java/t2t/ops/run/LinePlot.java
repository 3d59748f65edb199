package t2t.ops.run;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A small line chart written as PNG (loss and accuracy curves of a run), headless. */
public final class LinePlot {
    private static final Color[] PALETTE = {
        new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
        new Color(214, 39, 40), new Color(148, 103, 189), new Color(140, 86, 75)
    };

    private final String title;
    private final String xLabel;
    private final Map<String, List<double[]>> series = new LinkedHashMap<>();

    public LinePlot(String title, String xLabel) {
        this.title = title;
        this.xLabel = xLabel;
    }

    public LinePlot add(String name, double x, double y) {
        if (Double.isFinite(x) && Double.isFinite(y)) {
            series.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {x, y});
        }
        return this;
    }

    public boolean isEmpty() {
        return series.isEmpty();
    }

    public void write(Path png) {
        System.setProperty("java.awt.headless", "true");
        int w = 800;
        int h = 500;
        int left = 70;
        int right = 160;
        int top = 40;
        int bottom = 50;
        double minX = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (List<double[]> pts : series.values()) {
            for (double[] p : pts) {
                minX = Math.min(minX, p[0]);
                maxX = Math.max(maxX, p[0]);
                minY = Math.min(minY, p[1]);
                maxY = Math.max(maxY, p[1]);
            }
        }
        if (series.isEmpty()) {
            minX = 0;
            maxX = 1;
            minY = 0;
            maxY = 1;
        }
        if (maxX == minX) {
            maxX = minX + 1;
        }
        if (maxY == minY) {
            maxY = minY + 1;
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.DARK_GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, left, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        int pw = w - left - right;
        int ph = h - top - bottom;
        g.drawRect(left, top, pw, ph);
        for (int i = 0; i <= 4; i++) {
            double yv = minY + (maxY - minY) * i / 4;
            int yp = top + ph - (int) Math.round(ph * i / 4.0);
            g.setColor(new Color(230, 230, 230));
            g.drawLine(left + 1, yp, left + pw - 1, yp);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format("%.3g", yv), 5, yp + 4);
            double xv = minX + (maxX - minX) * i / 4;
            int xp = left + (int) Math.round(pw * i / 4.0);
            g.drawString(String.format("%.4g", xv), xp - 10, top + ph + 16);
        }
        g.drawString(xLabel, left + pw / 2 - 20, h - 12);
        int si = 0;
        g.setStroke(new BasicStroke(1.6f));
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            Color c = PALETTE[si % PALETTE.length];
            g.setColor(c);
            int[] prev = null;
            for (double[] p : e.getValue()) {
                int x = left + (int) Math.round((p[0] - minX) / (maxX - minX) * pw);
                int y = top + ph - (int) Math.round((p[1] - minY) / (maxY - minY) * ph);
                if (prev != null) {
                    g.drawLine(prev[0], prev[1], x, y);
                } else if (e.getValue().size() == 1) {
                    g.fillOval(x - 3, y - 3, 6, 6);
                }
                prev = new int[] {x, y};
            }
            g.fillRect(left + pw + 12, top + 10 + si * 18, 14, 4);
            g.setColor(Color.DARK_GRAY);
            g.drawString(e.getKey(), left + pw + 32, top + 15 + si * 18);
            si++;
        }
        g.dispose();
        try {
            ImageIO.write(img, "png", png.toFile());
        } catch (IOException ex) {
            throw t2t.actors.checkpoint.DiskFailure.of("cannot write a plot", png, ex);
        }
    }
}
