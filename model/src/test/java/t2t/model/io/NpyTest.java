package t2t.model.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import t2t.model.Fixtures;
import t2t.protocol.UserInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NpyTest {
    @TempDir
    Path dir;

    @Test
    void readsNumpyWrittenFloat32() {
        Tensor t = Fixtures.npy("unfold.input.npy");
        assertArrayEquals(new long[] {2, 3, 9, 11}, t.shape());
    }

    @Test
    void writeThenReadRoundTrips() throws IOException {
        Path f = dir.resolve("a.npy");
        float[] v = {1f, -2f, 3.5f, Float.MIN_VALUE, 7f, 8f};
        Npy.write(f, new long[] {2, 3}, v);
        Tensor t = Npy.read(f);
        assertArrayEquals(new long[] {2, 3}, t.shape());
        assertArrayEquals(v, t.values(), 0f);
        Npy.write(f, new long[] {6}, v);
        assertArrayEquals(new long[] {6}, Npy.read(f).shape());
    }

    @Test
    void truncatedOrForeignFilesAreRefused() throws IOException {
        Path f = dir.resolve("b.npy");
        Npy.write(f, new long[] {4}, new float[4]);
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length - 3));
        assertThrows(UserInputException.class, () -> Npy.read(f));
        Files.writeString(f, "not numpy");
        assertThrows(UserInputException.class, () -> Npy.read(f));
    }

    @Test
    void writesByteForByteWhatNumpyWrites() throws IOException {
        Tensor t = Fixtures.npy("unfold.input.npy");
        Path f = dir.resolve("same.npy");
        Npy.write(f, t.shape(), t.values());
        assertArrayEquals(Files.readAllBytes(Fixtures.resource("unfold.input.npy")), Files.readAllBytes(f));
    }
}
