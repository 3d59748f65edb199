package t2t.model.io;

import t2t.protocol.UserInputException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format versions 1-3) of float32 (read also float64, float16),
 * C order, either byte order. Writes little-endian float32, version 1.0.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    public static Tensor read(Path file) {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UserInputException("input file " + file + " does not exist");
        } catch (IOException e) {
            throw new UserInputException("cannot read " + file + ": " + e.getMessage());
        }
        if (all.length < 10 || !java.util.Arrays.equals(java.util.Arrays.copyOf(all, 6), MAGIC)) {
            throw bad(file, "it does not start with the .npy magic bytes");
        }
        int major = all[6];
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = b.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (all.length < 12) {
                throw bad(file, "it is truncated");
            }
            headerLen = b.getInt(8);
            headerStart = 12;
        } else {
            throw bad(file, "format version " + major + " is not supported");
        }
        if (headerLen < 0 || headerStart + headerLen > all.length) {
            throw bad(file, "it is truncated");
        }
        String header = new String(all, headerStart, headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, file, "descr");
        if (group(FORTRAN, header, file, "fortran_order").equals("True")) {
            throw bad(file, "it is in Fortran order; save it with np.ascontiguousarray");
        }
        List<Long> dims = new ArrayList<>();
        for (String d : group(SHAPE, header, file, "shape").split(",")) {
            if (!d.isBlank()) {
                dims.add(Long.parseLong(d.trim()));
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        ByteOrder order = descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        String kind = descr.substring(1);
        int width = switch (kind) {
            case "f4" -> 4;
            case "f8" -> 8;
            case "f2" -> 2;
            default -> throw bad(file, "its dtype is " + descr + "; save it as float32 (x.astype(np.float32))");
        };
        int dataStart = headerStart + headerLen;
        if (n * width != all.length - dataStart) {
            throw bad(file, "it holds " + (all.length - dataStart) + " data bytes for shape " + dims + " of " + descr
                    + " (truncated or corrupt)");
        }
        ByteBuffer data = ByteBuffer.wrap(all, dataStart, all.length - dataStart).slice().order(order);
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (width) {
                case 4 -> data.getFloat();
                case 8 -> (float) data.getDouble();
                default -> Half.halfToFloat(data.getShort());
            };
        }
        return new Tensor(descr, shape, v);
    }

    public static void write(Path file, long[] shape, float[] values) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            s.append(shape[i]).append(shape.length == 1 || i < shape.length - 1 ? "," : "");
            if (i < shape.length - 1) {
                s.append(' ');
            }
        }
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + s + "), }";
        int unpadded = 10 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        try (OutputStream out = Files.newOutputStream(file)) {
            ByteBuffer pre = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
            pre.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
            out.write(pre.array());
            out.write(header.getBytes(StandardCharsets.ISO_8859_1));
            ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            data.asFloatBuffer().put(values);
            out.write(data.array());
        }
    }

    private static String group(Pattern p, String header, Path file, String key) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw bad(file, "its header has no '" + key + "'");
        }
        return m.group(1);
    }

    private static UserInputException bad(Path file, String why) {
        return new UserInputException("input " + file + " is not a usable .npy file: " + why);
    }
}
