package t2t.loader.transform;

/**
 * timm's {@code create_transform}: the train or eval {@link SampleTransform} for a model's
 * {@link DataConfig}. Each op is present only when its setting is on.
 */
public final class Transforms {
    private Transforms() {}

    public static StagedTransform create(boolean isTraining, DataConfig data, AugmentConfig aug) {
        return isTraining ? train(data, aug) : eval(data);
    }

    /** RRC + flip, RandAugment (or ColorJitter), Normalize + RandomErasing. */
    public static StagedTransform train(DataConfig data, AugmentConfig aug) {
        Interpolation filter = aug.interpolation() != null ? aug.interpolation() : data.interpolation();
        RandomPadCrop padCrop = aug.padCrop() >= 0 ? new RandomPadCrop(data.width(), data.height(), aug.padCrop()) : null;
        RandomResizedCrop crop = padCrop != null ? null : new RandomResizedCrop(data.width(), data.height(), aug.scaleMin(),
                aug.scaleMax(), aug.ratioMin(), aug.ratioMax(), filter);
        HorizontalFlip flip = aug.hflip() > 0 ? new HorizontalFlip(aug.hflip()) : null;
        RandAugment ra = null;
        ColorJitter jitter = null;
        if (aug.hasAutoAugment()) {
            ra = RandAugment.parse(aug.autoAugment(), data.fill(), filter);
        } else if (aug.colorJitter() > 0) {
            jitter = new ColorJitter(aug.colorJitter(), aug.colorJitter(), aug.colorJitter());
        }
        RandomErasing erasing = aug.reProb() > 0 ? RandomErasing.of(aug.reProb(), aug.reMode(), aug.reCount()) : null;
        return new StagedTransform(
                new GeometricStage(crop, flip, null, padCrop),
                new PhotometricStage(ra, jitter),
                new TensorStage(new Normalize(data.mean(), data.std()), erasing),
                data.channels(), data.height(), data.width());
    }

    /** Resize shorter side to {@code floor(size / crop_pct)}, centre crop, Normalize. */
    public static StagedTransform eval(DataConfig data) {
        return new StagedTransform(
                new GeometricStage(null, null,
                        new ResizeCenterCrop(data.width(), data.height(), data.cropPct(), data.interpolation())),
                new PhotometricStage(null, null),
                new TensorStage(new Normalize(data.mean(), data.std()), null),
                data.channels(), data.height(), data.width());
    }
}
