package t2t.actors.collective;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import t2t.actors.runtime.ShardRange;
import t2t.protocol.TensorCodec;
import t2t.protocol.wire.DType;
import t2t.protocol.wire.TensorChunk;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stranger sends malformed, oversized, stale and misaddressed chunks over Artery to a rank's inbox just before a
 * call: the rank drops and counts each one, and the all-reduce still completes with the right sum.
 */
class BadChunkTest {
    private static final int LENGTH = 5_001;
    private static final int CHUNK = 1000;

    @Test
    void badChunksAreDroppedAndCountedAndTheCallStillCompletes() throws Exception {
        CountDownLatch injected = new CountDownLatch(1);
        List<Long> dropped = Group.run(2, Transport.ARTERY, LENGTH, CHUNK, c -> {
            float[] x = new float[LENGTH];
            java.util.Arrays.fill(x, c.rank() + 1f);
            RingCollective ring = (RingCollective) c;
            if (c.rank() == 1) {
                ArteryLink target = (ArteryLink) ring.link();
                List<TensorChunk> bad = badChunks(ShardRange.split(LENGTH, 2).get(1));
                try (ArteryLink stranger = ArteryLink.bind(ring.config().withPort(0))) {
                    stranger.connect(new Endpoint("127.0.0.1", target.port(), "elsewhere"), ring.config().timeout());
                    for (TensorChunk b : bad) {
                        stranger.tell(b);
                    }
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (target.pending() < bad.size() && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    assertEquals(bad.size(), target.pending(), "every stranger's chunk reached the inbox");
                }
                injected.countDown();
            } else {
                assertTrue(injected.await(60, TimeUnit.SECONDS));
            }
            c.allReduce(x, LENGTH, false);
            for (float v : x) {
                assertEquals(3f, v, 0f);
            }
            return c.droppedChunks();
        });
        assertEquals(0L, dropped.get(0));
        assertEquals(5L, dropped.get(1));
    }

    /** Chunks that each look like the first one rank 1 expects (call 1, step 0, its own shard) but for one defect. */
    private static List<TensorChunk> badChunks(ShardRange shard) {
        TensorChunk good = TensorChunk.newBuilder()
                .setGeneration(1).setStep(0).setShard(shard.shard()).setOffset(0)
                .setShardElements(shard.length()).setChunkIndex(0).setChunkCount(shard.length() / CHUNK + 1)
                .setDtype(DType.F32).setData(ByteString.copyFrom(new byte[CHUNK * Float.BYTES])).setSender("stranger")
                .build();
        return List.of(
                good.toBuilder().setDtype(DType.F16).build(),
                good.toBuilder().setData(ByteString.copyFrom(new byte[TensorCodec.MAX_CHUNK_BYTES + 4])).build(),
                good.toBuilder().setOffset(shard.length() - 10).build(),
                good.toBuilder().setGeneration(0).build(),
                good.toBuilder().setShard(1 - shard.shard()).build());
    }
}
