package t2t.loader.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;

/**
 * A minimal streaming tar reader: ustar names (with prefix), GNU long names ('L') and pax
 * {@code path} records, regular files only. Enough for WebDataset shards written by tar, Python's
 * tarfile or webdataset's TarWriter; anything else in the archive is stepped over.
 */
final class TarEntries {
    private static final int BLOCK = 512;

    /** A regular file member; {@code data} is filled only when the caller asked for it. */
    record Entry(String name, long offset, long size, byte[] data) {}

    private final InputStream in;
    private long position;

    TarEntries(InputStream in) {
        this.in = in;
    }

    /**
     * The next regular file, reading its content when {@code wantData} accepts its name and
     * skipping it otherwise; null at the end of the archive.
     */
    Entry next(Predicate<String> wantData) throws IOException {
        String longName = null;
        byte[] header = new byte[BLOCK];
        while (true) {
            if (!readBlock(header)) {
                return null;
            }
            if (isZero(header)) {
                return null;
            }
            if (!checksumOk(header)) {
                throw new IOException("corrupt tar header at byte " + (position - BLOCK));
            }
            long size = octal(header, 124, 12);
            char type = (char) header[156];
            long dataOffset = position;
            if (type == 'L' || type == 'x') {
                byte[] meta = readData(size);
                if (type == 'L') {
                    longName = cString(meta, 0, meta.length);
                } else {
                    String path = paxPath(meta);
                    if (path != null) {
                        longName = path;
                    }
                }
                continue;
            }
            String name = longName != null ? longName : ustarName(header);
            longName = null;
            if (type != '0' && type != '\0' && type != '7') {
                skipData(size);
                continue;
            }
            if (wantData.test(name)) {
                return new Entry(name, dataOffset, size, readData(size));
            }
            skipData(size);
            return new Entry(name, dataOffset, size, null);
        }
    }

    private boolean readBlock(byte[] block) throws IOException {
        int n = in.readNBytes(block, 0, BLOCK);
        position += n;
        if (n == 0) {
            return false;
        }
        if (n < BLOCK) {
            throw new EOFException("tar archive ends inside a header");
        }
        return true;
    }

    private byte[] readData(long size) throws IOException {
        if (size > Integer.MAX_VALUE - 16) {
            throw new IOException("tar member of " + size + " bytes is too large");
        }
        byte[] data = in.readNBytes((int) size);
        if (data.length < size) {
            throw new EOFException("tar archive ends inside a member");
        }
        position += size;
        skipPadding(size);
        return data;
    }

    private void skipData(long size) throws IOException {
        skipFully(size);
        skipPadding(size);
    }

    private void skipPadding(long size) throws IOException {
        long pad = (BLOCK - size % BLOCK) % BLOCK;
        skipFully(pad);
    }

    private void skipFully(long n) throws IOException {
        in.skipNBytes(n);
        position += n;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean checksumOk(byte[] h) {
        long stored = octal(h, 148, 8);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xFF);
        }
        return sum == stored;
    }

    private static String ustarName(byte[] h) {
        String name = cString(h, 0, 100);
        boolean ustar = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r';
        if (ustar) {
            String prefix = cString(h, 345, 155);
            if (!prefix.isEmpty()) {
                return prefix + "/" + name;
            }
        }
        return name;
    }

    private static String paxPath(byte[] meta) {
        // Records are "<len> <key>=<value>\n".
        String text = new String(meta, StandardCharsets.UTF_8);
        int p = 0;
        while (p < text.length()) {
            int space = text.indexOf(' ', p);
            if (space < 0) {
                return null;
            }
            int len = Integer.parseInt(text.substring(p, space).trim());
            String record = text.substring(space + 1, Math.min(text.length(), p + len - 1));
            if (record.startsWith("path=")) {
                return record.substring(5);
            }
            p += len;
        }
        return null;
    }

    private static long octal(byte[] h, int offset, int length) {
        long value = 0;
        int end = offset + length;
        int i = offset;
        while (i < end && (h[i] == ' ' || h[i] == 0)) {
            i++;
        }
        for (; i < end && h[i] >= '0' && h[i] <= '7'; i++) {
            value = value * 8 + (h[i] - '0');
        }
        return value;
    }

    private static String cString(byte[] b, int offset, int max) {
        int end = offset;
        while (end < offset + max && b[end] != 0) {
            end++;
        }
        return new String(b, offset, end - offset, StandardCharsets.UTF_8);
    }
}
