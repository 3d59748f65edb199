package t2t.loader.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Writes ustar archives for tests; names over 100 bytes use a GNU 'L' long-name record. */
final class TarWriter implements AutoCloseable {
    private final OutputStream out;

    TarWriter(OutputStream out) {
        this.out = out;
    }

    void add(String name, byte[] data) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 100) {
            byte[] longName = new byte[nameBytes.length + 1];
            System.arraycopy(nameBytes, 0, longName, 0, nameBytes.length);
            writeEntry("././@LongLink", 'L', longName);
            name = name.substring(0, 100);
        }
        writeEntry(name, '0', data);
    }

    private void writeEntry(String name, char type, byte[] data) throws IOException {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, h, 0, Math.min(100, n.length));
        put(h, 100, String.format("%07o", 0644));
        put(h, 108, String.format("%07o", 0));
        put(h, 116, String.format("%07o", 0));
        put(h, 124, String.format("%011o", data.length));
        put(h, 136, String.format("%011o", 0));
        h[156] = (byte) type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xFF;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        out.write(h);
        out.write(data);
        out.write(new byte[(512 - data.length % 512) % 512]);
    }

    private static void put(byte[] h, int offset, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, offset, b.length);
    }

    @Override
    public void close() throws IOException {
        out.write(new byte[1024]);
        out.close();
    }

    static byte[] archive(Object... nameDataPairs) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(bytes)) {
            for (int i = 0; i < nameDataPairs.length; i += 2) {
                w.add((String) nameDataPairs[i], (byte[]) nameDataPairs[i + 1]);
            }
        }
        return bytes.toByteArray();
    }
}
