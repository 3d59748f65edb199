package t2t.loader.transform;

/**
 * What the model says about its input (timm's {@code pretrained_cfg}/data config), passed in by
 * the caller so the loader never imports the model module. {@code mean}/{@code std} have one
 * entry per input channel (1 for gray models, 3 for RGB).
 *
 * @param cropPct eval centre-crop fraction (0.875 for DeiT/T2T-ViT: resize to 256, crop 224)
 */
public record DataConfig(int channels, int height, int width, float[] mean, float[] std, double cropPct,
                         Interpolation interpolation) {
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    public DataConfig {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("input channels must be 1 or 3, got " + channels);
        }
        if (mean.length != channels || std.length != channels) {
            throw new IllegalArgumentException("mean and std need " + channels + " entries");
        }
        if (height <= 0 || width <= 0 || !(cropPct > 0)) {
            throw new IllegalArgumentException("size and crop_pct must be positive");
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** ImageNet RGB at {@code size}, crop_pct 0.875, bicubic: DeiT's and T2T-ViT's config. */
    public static DataConfig imagenet(int size) {
        return new DataConfig(3, size, size, IMAGENET_MEAN, IMAGENET_STD, 0.875, Interpolation.BICUBIC);
    }

    /** timm's RandAugment fill, {@code min(255, round(255 * m))} per channel of the mean. */
    public int[] fill() {
        int[] fill = new int[channels];
        for (int c = 0; c < channels; c++) {
            fill[c] = (int) Math.min(255, Math.rint(255.0 * mean[c]));
        }
        return fill;
    }
}
