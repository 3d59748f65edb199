package t2t.loader.image;

/**
 * Channel-count changes as Pillow's {@code convert} makes them, so a 1-channel dataset feeds a
 * 3-channel model (gray replicated, as {@code convert('RGB')} from "L") and an RGB dataset feeds a
 * 1-channel model (ITU-R 601-2 luma in Pillow's fixed point, as {@code convert('L')}).
 */
public final class Channels {
    private Channels() {}

    public static Image8 convert(Image8 image, int channels) {
        if (image.channels() == channels) {
            return image;
        }
        return channels == 3 ? grayToRgb(image) : rgbToGray(image);
    }

    public static Image8 grayToRgb(Image8 gray) {
        byte[] in = gray.pixels();
        byte[] out = new byte[in.length * 3];
        for (int i = 0, o = 0; i < in.length; i++, o += 3) {
            byte v = in[i];
            out[o] = v;
            out[o + 1] = v;
            out[o + 2] = v;
        }
        return new Image8(gray.width(), gray.height(), 3, out);
    }

    public static Image8 rgbToGray(Image8 rgb) {
        byte[] in = rgb.pixels();
        byte[] out = new byte[in.length / 3];
        for (int o = 0, i = 0; o < out.length; o++, i += 3) {
            int r = in[i] & 0xFF;
            int g = in[i + 1] & 0xFF;
            int b = in[i + 2] & 0xFF;
            out[o] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
        }
        return new Image8(rgb.width(), rgb.height(), 1, out);
    }
}
