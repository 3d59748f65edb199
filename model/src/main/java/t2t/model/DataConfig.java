package t2t.model;

import java.util.List;

/**
 * What the data pipeline must feed a model, carried by the model as timm does: input size,
 * normalization, and the eval transform (resize to size / crop_pct, center crop, interpolation).
 */
public record DataConfig(int inChans, int imgSize, List<Float> mean, List<Float> std,
                         double cropPct, String interpolation) {

    /** ImageNet statistics, replicated or averaged to the number of channels. */
    public static DataConfig imagenet(int inChans, int imgSize) {
        List<Float> mean = List.of(0.485f, 0.456f, 0.406f);
        List<Float> std = List.of(0.229f, 0.224f, 0.225f);
        if (inChans == 1) {
            mean = List.of(0.449f); // the mean of the three, as timm uses for grayscale
            std = List.of(0.226f);
        } else if (inChans != 3) {
            mean = java.util.Collections.nCopies(inChans, 0.5f);
            std = java.util.Collections.nCopies(inChans, 0.5f);
        }
        return new DataConfig(inChans, imgSize, mean, std, 0.9, "bicubic");
    }
}
