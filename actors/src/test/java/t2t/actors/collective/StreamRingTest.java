package t2t.actors.collective;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import t2t.protocol.TensorCodec;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The byte-stream rings (raw frames: {@link ChunkHeader} + floats): frames that are well formed but not the chunk
 * expected are skipped without losing step with the stream, and counted; a stranger cannot take the previous rank's
 * place on the nio ring; floats split anywhere between reads still add up exactly.
 */
class StreamRingTest {
    private static final int LENGTH = 10_001;
    private static final int CHUNK = 1000;

    private static CollectiveConfig config(int rank, String session) {
        return new CollectiveConfig(rank, 2, "127.0.0.1", 0, Transport.STREAM_TCP, session, LENGTH, CHUNK,
                Duration.ofSeconds(30));
    }

    private static RingLink bind(String transport, CollectiveConfig cfg) throws Exception {
        return transport.equals("nio-tcp") ? NioTcpLink.bind(cfg) : StreamTcpLink.bind(cfg);
    }

    /** Connects two links into a ring of 2, both directions at once (each waits for the other's connection). */
    private static void connect(ExecutorService pool, RingLink a, RingLink b) throws Exception {
        Future<?> fa = pool.submit(() -> {
            a.connect(new Endpoint("127.0.0.1", b.port(), "h"), Duration.ofSeconds(30));
            return null;
        });
        b.connect(new Endpoint("127.0.0.1", a.port(), "h"), Duration.ofSeconds(30));
        fa.get(30, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream-tcp", "nio-tcp"})
    void framesThatAreNotTheExpectedChunkAreSkippedAndCountedAndTheCallIsExact(String transport) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        String session = "s" + transport.hashCode();
        RingLink l0 = bind(transport, config(0, session));
        RingLink l1 = bind(transport, config(1, session));
        try {
            connect(pool, l0, l1);
            // Rank 1 expects call 1, step 0, shard 1 (5000 floats, chunks of 1000) first.
            float[] junk = new float[CHUNK + 7];
            Arrays.fill(junk, 1e6f);
            ChunkHeader[] bad = {
                    new ChunkHeader(0, 0, 1, 0, 5000, 0, 5, CHUNK),        // a stale call
                    new ChunkHeader(1, 0, 0, 0, 5001, 0, 6, CHUNK),        // the wrong shard
                    new ChunkHeader(1, 0, 1, 0, 5000, 0, 5, CHUNK + 7),    // too many floats for the chunk
                    new ChunkHeader(1, 0, 1, 0, 5000, 0, 5, 3),            // too few
                    new ChunkHeader(1, 0, 1, 4000, 5000, 0, 5, CHUNK),     // the wrong offset
                    new ChunkHeader(1, 0, 1, 0, 5000, 0, 5, 0)};           // no floats at all
            for (ChunkHeader h : bad) {
                l0.send(h, junk, 0);
            }
            Transport t = Transport.parse(transport);
            RingCollective r0 = new RingCollective(config(0, session), t, l0);
            RingCollective r1 = new RingCollective(config(1, session), t, l1);
            Future<float[]> f0 = pool.submit(() -> reduce(r0));
            float[] x1 = reduce(r1);
            float[] x0 = f0.get(60, TimeUnit.SECONDS);
            assertArrayEquals(x0, x1, 0f);
            for (int i = 0; i < LENGTH; i++) {
                assertEquals(value(0, i) + value(1, i), x1[i], 0f, "element " + i);
            }
            assertEquals(0, r0.droppedChunks());
            assertEquals(bad.length, r1.droppedChunks());
        } finally {
            // Together, as separate processes would: each waits for its next rank's goodbye.
            Future<?> closed = pool.submit(l0::close);
            l1.close();
            closed.get(30, TimeUnit.SECONDS);
            pool.shutdownNow();
        }
    }

    private static float value(int rank, int i) {
        return ((i * 7 + rank * 13) % 1024) / 64f;
    }

    private static float[] reduce(Collective c) {
        float[] x = new float[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            x[i] = value(c.rank(), i);
        }
        c.allReduce(x, LENGTH, false);
        return x;
    }

    @Test
    void aStrangerWhoConnectsFirstIsTurnedAwayAndTheRingStillForms() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (NioTcpLink l0 = NioTcpLink.bind(config(0, "ring"));
             NioTcpLink l1 = NioTcpLink.bind(config(1, "ring"));
             SocketChannel stranger = SocketChannel.open(new InetSocketAddress("127.0.0.1", l1.port()));
             SocketChannel silent = SocketChannel.open(new InetSocketAddress("127.0.0.1", l1.port()))) {
            // A hello in the right format from another session, then one that never finishes.
            ByteBuffer hello = ByteBuffer.allocate(80).order(ByteOrder.LITTLE_ENDIAN);
            hello.putInt(0x48543254).putInt(0).putInt(2).putInt(5).put("other".getBytes()).position(80).flip();
            stranger.write(hello);
            silent.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            connect(pool, l0, l1);
            assertEquals(1, l1.refusedConnections());
            float[] x = {1, 2, 3};
            l0.send(new ChunkHeader(1, 0, 0, 0, 3, 0, 1, 3), x, 0);
            ChunkHeader h = l1.receive(Duration.ofSeconds(10));
            assertEquals(3, h.floats());
            float[] y = {10, 20, 30};
            l1.readPayload(y, 0, true, Duration.ofSeconds(10));
            assertArrayEquals(new float[] {11, 22, 33}, y, 0f);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void floatsSplitAnywhereBetweenPiecesAddUpExactly() {
        int n = 1001;
        ByteBuffer bytes = ByteBuffer.allocate(n * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        float[] expected = new float[n + 2];
        float[] got = new float[n + 2];
        for (int i = 0; i < n; i++) {
            bytes.putFloat(i * Float.BYTES, i * 0.25f);
            expected[i + 1] = 1f + i * 0.25f;
        }
        Arrays.fill(got, 1f);
        expected[0] = 1f;
        expected[n + 1] = 1f;
        FloatPayload p = new FloatPayload();
        p.begin(got, 1, n, true);
        int[] cuts = {1, 2, 3, 5, 4, 7, 1, 100, 3, 1, 2};
        int pos = 0;
        for (int i = 0; pos < n * Float.BYTES; i++) {
            int k = Math.min(cuts[i % cuts.length], n * Float.BYTES - pos);
            p.accept(bytes.duplicate().position(pos).limit(pos + k).slice());
            pos += k;
        }
        assertEquals(0, p.remainingBytes());
        assertArrayEquals(expected, got, 0f);

        float[] copied = new float[n];
        p.begin(copied, 0, n, false);
        p.accept(bytes.duplicate().limit(6));
        p.accept(bytes.duplicate().position(6).slice());
        for (int i = 0; i < n; i++) {
            assertEquals(i * 0.25f, copied[i], 0f);
        }
    }

    @Test
    void aHeaderIsReadBackAndABrokenOneBreaksTheStream() {
        ByteBuffer b = ByteBuffer.allocate(ChunkHeader.BYTES);
        ChunkHeader h = new ChunkHeader(7, 2, 1, 3000, 5000, 3, 5, 1000);
        h.writeTo(b);
        assertEquals(ChunkHeader.BYTES, b.position());
        assertEquals(h, ChunkHeader.readFrom(b.flip()));

        b.putInt(0, 0x12345678);
        assertThrows(CollectiveException.class, () -> ChunkHeader.readFrom(b.rewind()));
        ByteBuffer tooLong = ByteBuffer.allocate(ChunkHeader.BYTES);
        new ChunkHeader(7, 2, 1, 0, 5000, 0, 1, TensorCodec.MAX_CHUNK_FLOATS + 1).writeTo(tooLong);
        assertThrows(CollectiveException.class, () -> ChunkHeader.readFrom(tooLong.flip()));
    }

    @Test
    void aClosedPeerIsAnErrorNotAHang() throws IOException, InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (NioTcpLink l0 = NioTcpLink.bind(config(0, "gone")); NioTcpLink l1 = NioTcpLink.bind(config(1, "gone"))) {
            connect(pool, l0, l1);
            l0.close();
            assertThrows(CollectiveException.class, () -> l1.receive(Duration.ofSeconds(10)));
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            pool.shutdownNow();
        }
    }
}
