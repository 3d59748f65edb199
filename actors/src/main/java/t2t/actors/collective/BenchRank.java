package t2t.actors.collective;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One rank of the all-reduce benchmark, run as its own JVM by {@code t2t bench allreduce} (and the multi-process
 * test): joins the group through the rendezvous, warms up, times {@code iters} all-reduces (each after a small
 * all-reduce that lines the ranks up, like gloo's barrier), checks every element of the result against the exact sum,
 * and prints one line {@code RESULT {json}} on stdout.
 *
 * <p>Arguments: rank world rendezvousHost:port transport elements iters warmup session chunkFloats api, where api
 * is {@code buffer} ({@link Collective#allReduceBuffer}: the input already in the collective's vector) or
 * {@code array} ({@link Collective#allReduce(float[], int, boolean)} on a heap array).
 */
public final class BenchRank {
    private BenchRank() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 10) {
            System.err.println("usage: BenchRank rank world host:port transport elements iters warmup session chunkFloats api");
            System.exit(2);
        }
        int rank = Integer.parseInt(args[0]);
        int world = Integer.parseInt(args[1]);
        String[] rv = args[2].split(":");
        Transport transport = Transport.parse(args[3]);
        int elements = Integer.parseInt(args[4]);
        int iters = Integer.parseInt(args[5]);
        int warmup = Integer.parseInt(args[6]);
        String session = args[7];
        int chunk = Integer.parseInt(args[8]);
        boolean inBuffer = switch (args[9]) {
            case "buffer" -> true;
            case "array" -> false;
            default -> throw new IllegalArgumentException("api must be buffer or array, not " + args[9]);
        };

        CollectiveConfig cfg = new CollectiveConfig(rank, world, rv[0], 0, transport, session, elements, chunk,
                Duration.ofSeconds(60));
        float[] input = new float[elements];
        float[] data = new float[elements];
        for (int i = 0; i < elements; i++) {
            input[i] = value(rank, i);
        }
        float[] barrier = new float[world];
        List<Double> seconds = new ArrayList<>();
        boolean correct = true;
        long badElements = 0;
        String used;
        long dropped;
        try (Collective c = Collective.open(cfg, Rendezvous.client(rv[0], Integer.parseInt(rv[1]), world, Duration.ofSeconds(60)))) {
            used = c.transport().flag();
            FloatBuffer buffer = c.buffer();
            for (int it = -warmup; it < iters; it++) {
                // Untimed, like the clone before each call in the gloo reference: the input goes where the call reads it.
                if (inBuffer) {
                    buffer.put(0, input, 0, elements);
                } else {
                    System.arraycopy(input, 0, data, 0, elements);
                }
                c.allReduce(barrier, world, false);
                long t0 = System.nanoTime();
                if (inBuffer) {
                    c.allReduceBuffer(elements, false);
                } else {
                    c.allReduce(data, elements, false);
                }
                long t1 = System.nanoTime();
                if (it >= 0) {
                    seconds.add((t1 - t0) / 1e9);
                }
                if (inBuffer) {
                    buffer.get(0, data, 0, elements);
                }
                badElements += mismatches(data, world);
            }
            correct = badElements == 0;
            dropped = c.droppedChunks();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rank", rank);
        out.put("transport", used);
        out.put("api", args[9]);
        out.put("seconds", seconds);
        out.put("correct", correct);
        out.put("bad_elements", badElements);
        out.put("dropped_chunks", dropped);
        System.out.println("RESULT " + new ObjectMapper().writeValueAsString(out));
    }

    /** Multiples of 1/64 below 16: any sum of a few of them is exact in float, so the check can demand equality. */
    static float value(int rank, int i) {
        return ((i * 7L + rank * 13L) % 1024) / 64f;
    }

    static long mismatches(float[] data, int world) {
        long bad = 0;
        for (int i = 0; i < data.length; i++) {
            float expected = 0;
            for (int r = 0; r < world; r++) {
                expected += value(r, i);
            }
            if (data[i] != expected) {
                bad++;
            }
        }
        return bad;
    }
}
