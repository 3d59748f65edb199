package t2t.loader.transform;

/**
 * timm's eval geometry: {@code Resize(floor(size / crop_pct))} on the shorter side (the long side
 * truncated, torchvision's {@code int(short * long / short_in)}), then {@code CenterCrop(size)}
 * with {@code round((h - size) / 2)} offsets (an image smaller than the crop is padded with 0
 * first, {@code (size - h) // 2} on the top/left, as torchvision does).
 */
public record ResizeCenterCrop(int outWidth, int outHeight, double cropPct, Interpolation interpolation) {

    /** The resized size {@code {w, h}} before the centre crop. */
    public int[] resizedSize(int width, int height) {
        if (outWidth == outHeight) {
            int scale = (int) Math.floor(outWidth / cropPct);
            if (width <= height) {
                return new int[] {scale, (int) ((double) scale * height / width)};
            }
            return new int[] {(int) ((double) scale * width / height), scale};
        }
        return new int[] {(int) (outWidth / cropPct), (int) (outHeight / cropPct)};
    }

    public void apply(Frame f, PillowResample resample) {
        int[] size = resizedSize(f.width, f.height);
        int rw = size[0];
        int rh = size[1];
        // 'random' has no meaning at eval; timm's create_transform default, bilinear, stands in.
        Interpolation filter = interpolation == Interpolation.RANDOM ? Interpolation.BILINEAR : interpolation;
        if (f.spare.length < rw * rh * f.channels) {
            f.spare = new byte[rw * rh * f.channels];
        }
        byte[] resized = f.spare;
        resample.resize(f.pixels, f.width, f.channels, 0, 0, f.width, f.height, rw, rh, filter, resized);
        int top = rh >= outHeight ? (int) Math.rint((rh - outHeight) / 2.0) : -((outHeight - rh) / 2);
        int left = rw >= outWidth ? (int) Math.rint((rw - outWidth) / 2.0) : -((outWidth - rw) / 2);
        int ch = f.channels;
        f.reshape(outWidth, outHeight, ch);
        for (int y = 0; y < outHeight; y++) {
            int sy = top + y;
            for (int x = 0; x < outWidth; x++) {
                int sx = left + x;
                int o = (y * outWidth + x) * ch;
                if (sy < 0 || sy >= rh || sx < 0 || sx >= rw) {
                    // torchvision pads with 0 when the image is smaller than the crop.
                    for (int c = 0; c < ch; c++) {
                        f.pixels[o + c] = 0;
                    }
                } else {
                    System.arraycopy(resized, (sy * rw + sx) * ch, f.pixels, o, ch);
                }
            }
        }
    }
}
