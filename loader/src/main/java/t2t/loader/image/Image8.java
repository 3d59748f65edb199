package t2t.loader.image;

/**
 * A decoded 8-bit image, row-major and channel-interleaved (HWC), as Pillow holds an "RGB" or "L"
 * image after {@code convert}: {@code pixels[(y * width + x) * channels + c]}, values 0..255 read
 * with {@code & 0xFF}. Channels is 1 (gray) or 3 (RGB). Every transform reads and writes this.
 */
public record Image8(int width, int height, int channels, byte[] pixels) {
    public Image8 {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        if (pixels.length != width * height * channels) {
            throw new IllegalArgumentException("pixels has " + pixels.length + " bytes, expected "
                    + width + "*" + height + "*" + channels);
        }
    }

    public static Image8 blank(int width, int height, int channels) {
        return new Image8(width, height, channels, new byte[width * height * channels]);
    }

    public int get(int x, int y, int c) {
        return pixels[(y * width + x) * channels + c] & 0xFF;
    }
}
