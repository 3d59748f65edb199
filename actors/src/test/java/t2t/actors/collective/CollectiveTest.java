package t2t.actors.collective;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import t2t.actors.runtime.ShardRange;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every transport, 2 and 3 ranks as threads of this JVM, odd lengths that leave short last chunks and shards. */
class CollectiveTest {
    /** Small chunks so that even short vectors cross many chunk and shard boundaries. */
    private static final int CHUNK = 1000;

    static Stream<Arguments> groups() {
        List<Arguments> out = new ArrayList<>();
        for (Transport t : new Transport[] {Transport.SHM, Transport.STREAM_TCP, Transport.NIO_TCP, Transport.ARTERY}) {
            out.add(Arguments.of(t, 2));
            out.add(Arguments.of(t, 3));
        }
        return out.stream();
    }

    static float[] input(int rank, int length, long seed) {
        Random rnd = new Random(seed * 31 + rank);
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    @ParameterizedTest(name = "{0} x {1}")
    @MethodSource("groups")
    void allReduceSumsEveryElementAndEveryRankHoldsTheSameBits(Transport transport, int n) throws Exception {
        int[] lengths = {10_007, n, 3 * CHUNK + 1};
        List<List<float[]>> results = Group.run(n, transport, 20_000, CHUNK, c -> {
            List<float[]> mine = new ArrayList<>();
            for (int call = 0; call < lengths.length; call++) {
                float[] x = input(c.rank(), 20_000, call);
                c.allReduce(x, lengths[call], false);
                mine.add(x);
            }
            float[] mean = input(c.rank(), 10_007, 99);
            c.allReduce(mean, mean.length, true);
            mine.add(mean);
            return mine;
        });
        for (int call = 0; call < lengths.length; call++) {
            int len = lengths[call];
            for (int r = 0; r < n; r++) {
                float[] got = results.get(r).get(call);
                assertArrayEquals(Arrays.copyOf(results.get(0).get(call), len), Arrays.copyOf(got, len), 0f,
                        "rank " + r + " differs from rank 0, call " + call);
                float[] untouched = input(r, 20_000, call);
                for (int i = len; i < got.length; i++) {
                    assertEquals(untouched[i], got[i], 0f, "element " + i + " past the length changed");
                }
            }
            float[] sum = results.get(0).get(call);
            float[][] inputs = new float[n][];
            for (int r = 0; r < n; r++) {
                inputs[r] = input(r, 20_000, call);
            }
            for (int i = 0; i < len; i++) {
                double expected = 0;
                for (int r = 0; r < n; r++) {
                    expected += inputs[r][i];
                }
                assertEquals(expected, sum[i], 1e-5 * (1 + Math.abs(expected)), "element " + i + " of call " + call);
            }
        }
        float[] mean = results.get(0).get(lengths.length);
        for (int r = 1; r < n; r++) {
            assertArrayEquals(mean, results.get(r).get(lengths.length), 0f);
        }
        float[][] meanInputs = new float[n][];
        for (int r = 0; r < n; r++) {
            meanInputs[r] = input(r, 10_007, 99);
        }
        for (int i = 0; i < mean.length; i++) {
            double expected = 0;
            for (int r = 0; r < n; r++) {
                expected += meanInputs[r][i];
            }
            assertEquals(expected / n, mean[i], 1e-5 * (1 + Math.abs(expected)));
        }
    }

    @ParameterizedTest(name = "{0} x {1}")
    @MethodSource("groups")
    void reduceScatterLeavesTheSumInTheOwnShardAndAllGatherSpreadsEveryShard(Transport transport, int n) throws Exception {
        int length = 7_001;
        List<float[]> results = Group.run(n, transport, length, CHUNK, c -> {
            float[] x = input(c.rank(), length, 5);
            ShardRange own = c.reduceScatter(x, length, false);
            assertEquals(c.shard(length), own);
            // What an optimizer shard would do between the two halves: change the own shard only.
            for (int i = own.offset(); i < own.end(); i++) {
                x[i] = x[i] * 0.5f + c.rank();
            }
            c.allGather(x, length);
            return x;
        });
        List<ShardRange> shards = ShardRange.split(length, n);
        for (int r = 0; r < n; r++) {
            assertArrayEquals(results.get(0), results.get(r), 0f);
        }
        float[] got = results.get(0);
        float[][] inputs = new float[n][];
        for (int r = 0; r < n; r++) {
            inputs[r] = input(r, length, 5);
        }
        for (int i = 0; i < length; i++) {
            int owner = 0;
            while (i >= shards.get(owner).end()) {
                owner++;
            }
            double sum = 0;
            for (int r = 0; r < n; r++) {
                sum += inputs[r][i];
            }
            assertEquals(sum * 0.5 + owner, got[i], 1e-5 * (1 + Math.abs(sum)), "element " + i);
        }
    }

    @ParameterizedTest(name = "{0} x {1}")
    @MethodSource("groups")
    void theCollectivesOwnBufferReducesInPlaceCallAfterCall(Transport transport, int n) throws Exception {
        int length = 9_999;
        int calls = 3;
        List<List<float[]>> results = Group.run(n, transport, 12_000, CHUNK, c -> {
            List<float[]> mine = new ArrayList<>();
            FloatBuffer buf = c.buffer();
            for (int call = 0; call < calls; call++) {
                // Written as soon as the previous call returns: the call must not return while a peer still reads it.
                buf.put(0, input(c.rank(), length, 40 + call), 0, length);
                c.allReduceBuffer(length, call == calls - 1);
                float[] out = new float[length];
                buf.get(0, out, 0, length);
                mine.add(out);
            }
            return mine;
        });
        for (int call = 0; call < calls; call++) {
            float[][] inputs = new float[n][];
            for (int r = 0; r < n; r++) {
                inputs[r] = input(r, length, 40 + call);
                assertArrayEquals(results.get(0).get(call), results.get(r).get(call), 0f);
            }
            float[] got = results.get(0).get(call);
            for (int i = 0; i < length; i++) {
                double expected = 0;
                for (int r = 0; r < n; r++) {
                    expected += inputs[r][i];
                }
                if (call == calls - 1) {
                    expected /= n;
                }
                assertEquals(expected, got[i], 1e-5 * (1 + Math.abs(expected)), "element " + i + " of call " + call);
            }
        }
    }

    @ParameterizedTest(name = "{0} x {1}")
    @MethodSource("groups")
    void theSmallestVectorHasOneElementPerRank(Transport transport, int n) throws Exception {
        List<float[]> results = Group.run(n, transport, 64, CHUNK, c -> {
            float[] x = {c.rank() + 1f, 10f * (c.rank() + 1), 100f};
            c.allReduce(x, n, false);
            return x;
        });
        float total = n * (n + 1) / 2f;
        float[] expected = n == 2 ? new float[] {total, 10 * total, 100f} : new float[] {total, 10 * total, 100f * n};
        for (float[] got : results) {
            assertArrayEquals(expected, got, 0f);
        }
        assertTrue(results.size() == n);
    }
}
