package t2t.loader.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import t2t.protocol.UserInputException;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FashionMnistTest {

    private static void writeIdx(Path file, int magic, int[] dims, byte[] data) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
    }

    private static Path tinySet(Path dir) throws IOException {
        byte[] images = new byte[3 * 4 * 5];
        for (int i = 0; i < images.length; i++) {
            images[i] = (byte) (i * 4);
        }
        writeIdx(dir.resolve("train-images-idx3-ubyte.gz"), 0x803, new int[] {3, 4, 5}, images);
        writeIdx(dir.resolve("train-labels-idx1-ubyte.gz"), 0x801, new int[] {3}, new byte[] {9, 0, 4});
        return dir;
    }

    @Test
    void readsGzippedIdxAndExpandsChannels(@TempDir Path dir) throws IOException {
        FashionMnist gray = FashionMnist.open(tinySet(dir), null, Split.TRAIN, 1);
        assertEquals(3, gray.size());
        Sample.Decoded second = assertInstanceOf(Sample.Decoded.class, gray.get(1));
        assertEquals(0, second.label());
        assertEquals(5, second.image().width());
        assertEquals(4, second.image().height());
        assertEquals(20 * 4, second.image().get(0, 0, 0));
        assertEquals((20 + 2 * 5 + 3) * 4, second.image().get(3, 2, 0));
        FashionMnist rgb = FashionMnist.open(dir, null, Split.TRAIN, 3);
        Sample.Decoded third = assertInstanceOf(Sample.Decoded.class, rgb.get(2));
        assertEquals(3, third.image().channels());
        int v = (40 + 5 + 1) * 4;
        assertEquals(v, third.image().get(1, 1, 0));
        assertEquals(v, third.image().get(1, 1, 2));
    }

    @Test
    void findsDataThroughT2tDataThenNamesTheFix(@TempDir Path dir) throws IOException {
        tinySet(Files.createDirectories(dir.resolve("fashion-mnist")));
        assertEquals(3, FashionMnist.open(null, dir.toString(), Split.TRAIN, 1).size());
        UserInputException e = assertThrows(UserInputException.class,
                () -> FashionMnist.open(dir.resolve("missing"), null, Split.TRAIN, 1));
        assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
        assertTrue(e.getMessage().contains("--data"), e.getMessage());
        UserInputException noVal = assertThrows(UserInputException.class,
                () -> FashionMnist.open(dir.resolve("fashion-mnist"), null, Split.VAL, 1));
        assertTrue(noVal.getMessage().contains("t10k-images-idx3-ubyte"), noVal.getMessage());
    }

    @Test
    void debianPackageCopyHasTheKnownShape() {
        assumeTrue(Files.isRegularFile(FashionMnist.DEBIAN_DIR.resolve("train-images-idx3-ubyte.gz")),
                "dataset-fashion-mnist is not installed");
        FashionMnist train = FashionMnist.open(FashionMnist.DEBIAN_DIR, null, Split.TRAIN, 1);
        FashionMnist test = FashionMnist.open(FashionMnist.DEBIAN_DIR, null, Split.VAL, 3);
        assertEquals(60_000, train.size());
        assertEquals(10_000, test.size());
        assertEquals(10, train.numClasses());
        int[] perClass = new int[10];
        for (long i = 0; i < train.size(); i++) {
            perClass[train.label(i)]++;
        }
        for (int c : perClass) {
            assertEquals(6000, c);
        }
        Sample.Decoded d = assertInstanceOf(Sample.Decoded.class, test.get(0));
        assertEquals(28, d.image().width());
        assertEquals(28, d.image().height());
        assertEquals(3, d.image().channels());
        assertEquals(9, d.label(), "the first test image is an ankle boot");
    }
}
