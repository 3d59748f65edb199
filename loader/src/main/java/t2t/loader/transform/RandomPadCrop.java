package t2t.loader.transform;

import java.util.SplittableRandom;

/**
 * The small-image crop of CIFAR/MNIST recipes, torchvision's {@code RandomCrop(size, padding=p)}
 * after centring: the image is centred on a canvas {@code pad} pixels wider than the output on
 * every side (fill 0), and an output-sized window is cut at a uniform offset in
 * {@code [-pad, pad]} on each axis. An image larger than the output is centre-cropped by the same
 * rule. No resampling, so pixels are moved, never blended.
 */
public record RandomPadCrop(int width, int height, int pad) {
    public RandomPadCrop {
        if (width <= 0 || height <= 0 || pad < 0) {
            throw new IllegalArgumentException("pad crop needs a positive size and pad >= 0");
        }
    }

    void apply(Frame f, SplittableRandom rng) {
        int dy = Draws.randint(rng, 0, 2 * pad) - pad;
        int dx = Draws.randint(rng, 0, 2 * pad) - pad;
        byte[] src = f.pixels;
        int sw = f.width;
        int sh = f.height;
        int c = f.channels;
        // Source pixel of output (0, 0): the centring offset (floor) plus the random shift.
        int y0 = Math.floorDiv(sh - height, 2) + dy;
        int x0 = Math.floorDiv(sw - width, 2) + dx;
        f.reshape(width, height, c);
        byte[] dst = f.spare;
        java.util.Arrays.fill(dst, 0, width * height * c, (byte) 0);
        int xFrom = Math.max(0, -x0);
        int xTo = Math.min(width, sw - x0);
        for (int y = 0; y < height; y++) {
            int sy = y + y0;
            if (sy < 0 || sy >= sh || xFrom >= xTo) {
                continue;
            }
            System.arraycopy(src, (sy * sw + x0 + xFrom) * c, dst, (y * width + xFrom) * c, (xTo - xFrom) * c);
        }
        f.swap();
    }
}
