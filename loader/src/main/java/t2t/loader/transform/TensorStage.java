package t2t.loader.transform;

import java.util.SplittableRandom;

/** Stage 3: ToTensor + Normalize, then RandomErasing when set (on the normalized floats, as timm). */
public record TensorStage(Normalize normalize, RandomErasing erasing) {

    void apply(Frame f, SplittableRandom rng, float[] out, int offset) {
        normalize.apply(f, out, offset);
        if (erasing != null) {
            erasing.apply(out, offset, f.channels, f.height, f.width, rng);
        }
    }
}
