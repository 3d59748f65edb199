package t2t.ops.cli;

import t2t.actors.engine.JobAssembly;
import t2t.loader.decode.BadImageException;
import t2t.loader.decode.ImageDecoder;
import t2t.loader.image.Image8;
import t2t.loader.transform.SampleTransform;
import t2t.model.DataConfig;
import t2t.model.io.Tensor;
import t2t.protocol.UserInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code t2t predict IMAGE...}: decoded and transformed as the training run's eval split was, by
 * the loader's own decoder (Pillow's pixels, its pixel limit against decompression bombs, truncated
 * JPEGs refused) and the run's eval transform.
 */
final class PredictImages {
    /** The files predict reads whole before decoding; a larger one is refused unread. */
    static final long MAX_FILE_BYTES = 256L << 20;

    private PredictImages() {}

    static Tensor load(List<Path> files, DataConfig dc, boolean paddedEval) {
        int size = dc.imgSize();
        int c = dc.inChans();
        if (c != 1 && c != 3) {
            throw new UserInputException("image inputs need in_chans 1 or 3 (model has " + c + "); pass --input X.npy instead");
        }
        SampleTransform transform = JobAssembly.evalTransform(dc, paddedEval);
        ImageDecoder decoder = new ImageDecoder();
        int per = c * size * size;
        float[] out = new float[files.size() * per];
        for (int i = 0; i < files.size(); i++) {
            // The eval transform draws nothing at random; the generator only fills the signature.
            transform.apply(decode(decoder, files.get(i), c), new SplittableRandom(0), out, i * per);
        }
        return new Tensor("F32", new long[] {files.size(), c, size, size}, out);
    }

    private static Image8 decode(ImageDecoder decoder, Path f, int channels) {
        try {
            if (Files.size(f) > MAX_FILE_BYTES) {
                throw new UserInputException("image " + f + " is " + Files.size(f) + " bytes, over predict's "
                        + (MAX_FILE_BYTES >> 20) + " MB limit: resize it first");
            }
            return decoder.decode(Files.readAllBytes(f), channels);
        } catch (NoSuchFileException e) {
            throw new UserInputException("image " + f + " does not exist");
        } catch (IOException e) {
            throw new UserInputException("cannot read image " + f + ": " + e.getMessage());
        } catch (BadImageException e) {
            throw new UserInputException("image " + f + " refused: " + e.getMessage());
        }
    }
}
