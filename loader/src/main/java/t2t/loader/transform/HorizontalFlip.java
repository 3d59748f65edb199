package t2t.loader.transform;

import java.util.SplittableRandom;

/** {@code RandomHorizontalFlip(p)}: mirrors left-right with probability {@code p}. */
public record HorizontalFlip(double p) {

    public void apply(Frame f, SplittableRandom rng) {
        if (rng.nextDouble() < p) {
            flip(f);
        }
    }

    static void flip(Frame f) {
        int w = f.width;
        int ch = f.channels;
        byte[] px = f.pixels;
        for (int y = 0; y < f.height; y++) {
            int row = y * w * ch;
            for (int a = 0, b = w - 1; a < b; a++, b--) {
                int pa = row + a * ch;
                int pb = row + b * ch;
                for (int c = 0; c < ch; c++) {
                    byte t = px[pa + c];
                    px[pa + c] = px[pb + c];
                    px[pb + c] = t;
                }
            }
        }
    }
}
