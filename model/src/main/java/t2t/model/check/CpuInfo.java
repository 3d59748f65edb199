package t2t.model.check;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the x86 CPU offers, read from /proc/cpuinfo (Linux): its model name and the vector ISA flags
 * that decide which library kernels run. Elsewhere it reports the OS architecture and no flags.
 */
public record CpuInfo(String model, Set<String> flags) {

    /** The flags that select kernel families in oneDNN, MKL and ATen. */
    private static final List<String> ISA_FLAGS = List.of("sse4_1", "avx2", "avx512f", "avx512bw", "avx512vl",
            "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8", "avx_vnni");

    public static CpuInfo read() {
        return read(Path.of("/proc/cpuinfo"));
    }

    static CpuInfo read(Path cpuinfo) {
        String model = System.getProperty("os.arch");
        Set<String> flags = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(cpuinfo)) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (key.equals("model name")) {
                    model = value;
                } else if (key.equals("flags")) {
                    for (String f : value.split("\\s+")) {
                        if (ISA_FLAGS.contains(f)) {
                            flags.add(f);
                        }
                    }
                    break; // every core lists the same flags
                }
            }
        } catch (IOException | SecurityException e) {
            // not Linux: the model name stays the architecture, no flags
        }
        return new CpuInfo(model, flags);
    }

    public boolean has(String flag) {
        return flags.contains(flag);
    }

    /** The oneDNN ISA cap this process runs under, from {@code ONEDNN_MAX_CPU_ISA} ("ALL" when unset). */
    public static String oneDnnCap() {
        String cap = System.getenv("ONEDNN_MAX_CPU_ISA");
        return cap == null || cap.isBlank() ? "ALL" : cap.trim();
    }

    /** Whether this CPU can run kernels of oneDNN ISA cap {@code cap} (SSE41, AVX2, AVX512_CORE, ...). */
    public boolean supportsCap(String cap) {
        return switch (cap.toUpperCase(java.util.Locale.ROOT)) {
            case "ALL", "DEFAULT" -> true;
            case "SSE41" -> has("sse4_1");
            case "AVX", "AVX2" -> has("avx2");
            case "AVX2_VNNI" -> has("avx2") && has("avx_vnni");
            case "AVX512_CORE" -> has("avx512f") && has("avx512bw") && has("avx512vl");
            case "AVX512_CORE_VNNI" -> has("avx512f") && has("avx512_vnni");
            case "AVX512_CORE_BF16" -> has("avx512f") && has("avx512_bf16");
            case "AVX512_CORE_FP16" -> has("avx512f") && has("avx512_fp16");
            case "AVX512_CORE_AMX" -> has("amx_tile");
            default -> false;
        };
    }

    @Override
    public String toString() {
        return model + " (" + (flags.isEmpty() ? "no AVX flags" : String.join(" ", flags)) + "; oneDNN cap "
                + oneDnnCap() + ")";
    }
}
