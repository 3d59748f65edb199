package t2t.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import t2t.protocol.UserInputException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a JSON
 * header {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}}, then
 * the raw little-endian data. F32, F16 and BF16 are read (as float32); F32, F16, BF16 written.
 */
public final class Safetensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {}

    /** Every tensor of {@code file}, in header order. A file that is not safetensors, or is cut short, is refused. */
    public static Map<String, Tensor> read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return parse(ch::read, ch.size(), file.toString());
        } catch (NoSuchFileException e) {
            throw new UserInputException("weights file " + file + " does not exist; pass an existing .safetensors file");
        } catch (IOException e) {
            throw new UserInputException("cannot read weights file " + file + ": " + e.getMessage());
        }
    }

    /** {@link #read(Path)} of bytes already in memory (a checkpoint's file); {@code name} is what errors call them. */
    public static Map<String, Tensor> read(byte[] bytes, String name) {
        try {
            return parse((dst, pos) -> {
                if (pos >= bytes.length) {
                    return -1;
                }
                int n = (int) Math.min(dst.remaining(), bytes.length - pos);
                dst.put(bytes, (int) pos, n);
                return n;
            }, bytes.length, name);
        } catch (IOException e) {
            throw new IllegalStateException("reading from memory cannot fail", e);
        }
    }

    /** The "__metadata__" entries of {@code file}'s header (empty when it has none). */
    public static Map<String, String> metadata(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Map<String, String> out = new LinkedHashMap<>();
            header(ch::read, ch.size(), file.toString()).root().path("__metadata__").fields()
                    .forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
            return out;
        } catch (NoSuchFileException e) {
            throw new UserInputException("weights file " + file + " does not exist; pass an existing .safetensors file");
        } catch (IOException e) {
            throw new UserInputException("cannot read weights file " + file + ": " + e.getMessage());
        }
    }

    /** Positional reads, as {@link FileChannel#read(ByteBuffer, long)}: bytes read, or -1 at the end. */
    @FunctionalInterface
    private interface Source {
        int read(ByteBuffer dst, long position) throws IOException;
    }

    /** The parsed JSON header and its length in bytes (the data starts after it). */
    private record Header(JsonNode root, long length) {}

    private static Header header(Source in, long fileSize, String file) throws IOException {
        if (fileSize < 8) {
            throw notSafetensors(file, "shorter than the 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(in, lenBuf, 0);
        long headerLen = lenBuf.flip().getLong();
        if (headerLen <= 1 || headerLen > MAX_HEADER || 8 + headerLen > fileSize) {
            throw notSafetensors(file, "header length " + Long.toUnsignedString(headerLen) + " does not fit a file of " + fileSize + " bytes");
        }
        ByteBuffer header = ByteBuffer.allocate((int) headerLen);
        readFully(in, header, 8);
        JsonNode root;
        try {
            root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw notSafetensors(file, "its header is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw notSafetensors(file, "its header is not a JSON object");
        }
        return new Header(root, headerLen);
    }

    private static Map<String, Tensor> parse(Source in, long fileSize, String file) throws IOException {
        Header h = header(in, fileSize, file);
        long dataStart = 8 + h.length();
        long dataLen = fileSize - dataStart;
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = h.root().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            out.put(e.getKey(), readTensor(in, file, e.getKey(), e.getValue(), dataStart, dataLen));
        }
        return out;
    }

    private static Tensor readTensor(Source ch, String file, String name, JsonNode info, long dataStart, long dataLen)
            throws IOException {
        String dtype = info.path("dtype").asText("");
        JsonNode shapeNode = info.path("shape");
        JsonNode offs = info.path("data_offsets");
        if (!shapeNode.isArray() || !offs.isArray() || offs.size() != 2) {
            throw notSafetensors(file, "tensor " + name + " lacks shape or data_offsets");
        }
        long[] shape = new long[shapeNode.size()];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong(-1);
            if (shape[i] < 0) {
                throw notSafetensors(file, "tensor " + name + " has a bad shape");
            }
            n *= shape[i];
        }
        int width = switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw new UserInputException("weights file " + file + ": tensor " + name + " has dtype " + dtype
                    + "; only F32, F16 and BF16 are supported (convert with torch: t.float())");
        };
        long begin = offs.get(0).asLong(-1);
        long end = offs.get(1).asLong(-1);
        if (begin < 0 || end < begin || end - begin != n * width) {
            throw notSafetensors(file, "tensor " + name + " has data_offsets that do not match its shape");
        }
        if (end > dataLen) {
            throw new UserInputException("weights file " + file + " is truncated: tensor " + name + " ends at byte "
                    + (dataStart + end) + " of a " + (dataStart + dataLen) + "-byte file; download or export it again");
        }
        if (n > Integer.MAX_VALUE) {
            throw new UserInputException("weights file " + file + ": tensor " + name + " is too large (" + n + " elements)");
        }
        ByteBuffer raw = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, raw, dataStart + begin);
        raw.flip();
        float[] v = new float[(int) n];
        switch (dtype) {
            case "F32" -> raw.asFloatBuffer().get(v);
            case "F16" -> {
                for (int i = 0; i < v.length; i++) {
                    v[i] = Half.halfToFloat(raw.getShort());
                }
            }
            default -> {
                for (int i = 0; i < v.length; i++) {
                    v[i] = Half.bf16ToFloat(raw.getShort());
                }
            }
        }
        return new Tensor(dtype, shape, v);
    }

    /** Writes {@code tensors} in map order, stored as {@code dtype} (F32, F16 or BF16). */
    public static void write(Path file, Map<String, Tensor> tensors, String dtype, Map<String, String> metadata)
            throws IOException {
        int width = switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw new IllegalArgumentException("dtype must be F32, F16 or BF16: " + dtype);
        };
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype);
            var shape = t.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            long len = (long) e.getValue().values().length * width;
            t.putArray("data_offsets").add(offset).add(offset + len);
            offset += len;
        }
        byte[] h = JSON.writeValueAsBytes(header);
        int pad = (8 - h.length % 8) % 8; // the reference writer aligns the data to 8 bytes
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length + pad);
            out.write(len.array());
            out.write(h);
            for (int i = 0; i < pad; i++) {
                out.write(' ');
            }
            for (Tensor t : tensors.values()) {
                float[] v = t.values();
                ByteBuffer b = ByteBuffer.allocate(v.length * width).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : v) {
                    switch (dtype) {
                        case "F32" -> b.putFloat(f);
                        case "F16" -> b.putShort(Half.floatToHalf(f));
                        default -> b.putShort(Half.floatToBf16(f));
                    }
                }
                out.write(b.array());
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static void readFully(Source ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += r;
        }
    }

    private static UserInputException notSafetensors(String file, String why) {
        return new UserInputException("weights file " + file + " is not a valid safetensors file (" + why
                + "); convert a torch checkpoint with safetensors.torch.save_file(state_dict, 'w.safetensors')");
    }
}
