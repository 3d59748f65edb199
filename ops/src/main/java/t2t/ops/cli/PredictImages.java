package t2t.ops.cli;

import t2t.model.DataConfig;
import t2t.model.io.Tensor;
import t2t.protocol.UserInputException;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code t2t predict IMAGE...}: decode with javax.imageio and apply the model's eval transform
 * (timm: resize the shorter side to floor(size / crop_pct), center crop, to [0, 1], normalize).
 * The resize uses Java2D's bicubic filter, close to but not bit-equal with PIL's.
 */
final class PredictImages {
    private PredictImages() {}

    static Tensor load(List<Path> files, DataConfig dc) {
        int size = dc.imgSize();
        int c = dc.inChans();
        if (c != 1 && c != 3) {
            throw new UserInputException("image inputs need in_chans 1 or 3 (model has " + c + "); pass --input X.npy instead");
        }
        float[] out = new float[files.size() * c * size * size];
        for (int i = 0; i < files.size(); i++) {
            BufferedImage img = read(files.get(i));
            BufferedImage crop = resizeAndCrop(img, size, dc.cropPct());
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int rgb = crop.getRGB(x, y);
                    int r = (rgb >> 16) & 0xff;
                    int g = (rgb >> 8) & 0xff;
                    int b = rgb & 0xff;
                    if (c == 1) {
                        int l = (r * 299 + g * 587 + b * 114) / 1000; // PIL's convert('L')
                        out[(i * size + y) * size + x] = (l / 255f - dc.mean().get(0)) / dc.std().get(0);
                    } else {
                        int[] v = {r, g, b};
                        for (int ch = 0; ch < 3; ch++) {
                            out[((i * 3 + ch) * size + y) * size + x] = (v[ch] / 255f - dc.mean().get(ch)) / dc.std().get(ch);
                        }
                    }
                }
            }
        }
        return new Tensor("F32", new long[] {files.size(), c, size, size}, out);
    }

    private static BufferedImage read(Path f) {
        try {
            BufferedImage img = ImageIO.read(f.toFile());
            if (img == null) {
                throw new UserInputException("cannot decode image " + f + " (supported: PNG, JPEG, BMP, GIF); or pass --input X.npy");
            }
            return img;
        } catch (IOException e) {
            throw new UserInputException("cannot read image " + f + ": " + e.getMessage());
        }
    }

    private static BufferedImage resizeAndCrop(BufferedImage img, int size, double cropPct) {
        int w = img.getWidth();
        int h = img.getHeight();
        int scale = (int) Math.floor(size / cropPct);
        int nw;
        int nh;
        if (w <= h) {
            nw = scale;
            nh = (int) ((long) scale * h / w);
        } else {
            nh = scale;
            nw = (int) ((long) scale * w / h);
        }
        BufferedImage resized = new BufferedImage(nw, nh, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = resized.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.drawImage(img, 0, 0, nw, nh, null);
        g.dispose();
        int top = (int) Math.rint((nh - size) / 2.0); // Python's round: ties to even
        int left = (int) Math.rint((nw - size) / 2.0);
        return resized.getSubimage(left, top, size, size);
    }
}
