package t2t.model.teacher;

import java.util.Arrays;

/**
 * A ResNet-style CNN as data: stem, then stages of {@link ResidualBlock}s.
 *
 * @param stemChannels channels of the stem conv
 * @param stemKernel 3 (small inputs) or 7 (ImageNet ResNets)
 * @param stemStride stride of the stem conv
 * @param stemPool whether a 3x3 stride-2 max pool follows the stem (ImageNet ResNets)
 * @param widths channels per stage
 * @param depths blocks per stage
 * @param strides stride of each stage's first block
 */
public record CnnConfig(
        String name, int stemChannels, int stemKernel, int stemStride, boolean stemPool,
        int[] widths, int[] depths, int[] strides) {

    public CnnConfig {
        if (widths.length == 0 || widths.length != depths.length || widths.length != strides.length) {
            throw new IllegalArgumentException("widths, depths and strides need one entry per stage");
        }
        widths = widths.clone();
        depths = depths.clone();
        strides = strides.clone();
    }

    /** Total stride from input pixels to the last feature map. */
    public int totalStride() {
        int s = stemStride * (stemPool ? 2 : 1);
        for (int st : strides) {
            s *= st;
        }
        return s;
    }

    public int featureChannels() {
        return widths[widths.length - 1];
    }

    @Override
    public String toString() {
        return name + "(stem " + stemChannels + "c k" + stemKernel + " s" + stemStride + (stemPool ? " +pool" : "")
                + ", widths " + Arrays.toString(widths) + ", depths " + Arrays.toString(depths)
                + ", strides " + Arrays.toString(strides) + ")";
    }
}
