package t2t.model.recipe;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Test-only reader of gzipped IDX files (MNIST format). The model module must not depend on the
 * loader module, which owns the real one.
 */
final class IdxGz {

    private IdxGz() {}

    /** Images as unsigned bytes, {@code [n * rows * cols]}; {@code dims[0..2]} gets n, rows, cols. */
    static byte[] images(Path file, int[] dims) throws IOException {
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(file), 1 << 16))) {
            int magic = in.readInt();
            if (magic != 0x00000803) {
                throw new IOException(file + ": not an IDX image file (magic " + Integer.toHexString(magic) + ")");
            }
            dims[0] = in.readInt();
            dims[1] = in.readInt();
            dims[2] = in.readInt();
            byte[] data = new byte[dims[0] * dims[1] * dims[2]];
            in.readFully(data);
            return data;
        }
    }

    static int[] labels(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(file), 1 << 16))) {
            int magic = in.readInt();
            if (magic != 0x00000801) {
                throw new IOException(file + ": not an IDX label file (magic " + Integer.toHexString(magic) + ")");
            }
            int n = in.readInt();
            byte[] raw = new byte[n];
            in.readFully(raw);
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                out[i] = raw[i] & 0xff;
            }
            return out;
        }
    }
}
