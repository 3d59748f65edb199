package t2t.actors.serialization;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import t2t.actors.AggregatorActor;
import t2t.actors.WorkerActor;
import t2t.actors.telemetry.DroppedMessages;
import t2t.actors.runtime.ShardRange;
import t2t.protocol.TensorCodec;
import t2t.protocol.wire.TensorChunk;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The two messages that carry tensors, gradients (worker to aggregator) and parameters
 * (aggregator to worker), as a run of length-delimited {@link TensorChunk}s of at most 1 MiB each
 * (t2t.proto is the contract). Bound to the large-message lane by the cluster configuration.
 * Every chunk is validated on receipt (dtype, sizes, offsets, completeness, order); a message that
 * fails is dropped, counted, and never reaches the actor.
 */
public final class TensorMessageSerializer extends SerializerWithStringManifest {
    public static final int ID = 7_202_612;
    /** A shard larger than this is refused before anything is allocated (256 Mi floats, 1 GiB). */
    static final long MAX_SHARD_ELEMENTS = 1L << 28;
    private static final String GRADIENT = "G";
    private static final String PARAMS = "P";

    private final long maxMessageBytes;

    public TensorMessageSerializer(ExtendedActorSystem system) {
        this(FrameLimit.of(system));
    }

    /** A serializer that drops payloads over {@code maxMessageBytes} (the cluster's frame limit). */
    TensorMessageSerializer(long maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public int identifier() {
        return ID;
    }

    @Override
    public String manifest(Object o) {
        if (o instanceof AggregatorActor.Gradient) {
            return GRADIENT;
        }
        if (o instanceof WorkerActor.ShardParams) {
            return PARAMS;
        }
        throw new IllegalArgumentException("not a tensor message: " + o.getClass().getName());
    }

    @Override
    public byte[] toBinary(Object o) {
        if (o instanceof AggregatorActor.Gradient g) {
            TensorCodec.Header h = new TensorCodec.Header(g.generation(), g.step(), 0, g.workerId(), g.samples());
            return write(TensorCodec.encode(h, g.data(), 0, g.data().length), g.snapshotAfter(), 0, g.token());
        }
        if (o instanceof WorkerActor.ShardParams p) {
            TensorCodec.Header h = new TensorCodec.Header(0, p.step(), p.range().shard(), "", 0);
            return write(TensorCodec.encode(h, p.data(), 0, p.data().length), false, p.range().offset(), p.token());
        }
        throw new IllegalArgumentException("not a tensor message: " + o.getClass().getName());
    }

    private static byte[] write(List<TensorChunk> chunks, boolean snapshotAfter, long shardOffset, long token) {
        try {
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            for (TensorChunk c : chunks) {
                c.toBuilder().setSnapshotAfter(snapshotAfter).setShardOffset(shardOffset).setToken(token).build()
                        .writeDelimitedTo(bo);
            }
            return bo.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        String code;
        String reason = FrameLimit.exceeded(bytes.length, maxMessageBytes);
        if (reason != null) {
            DroppedMessages.dropped("tensor oversized");
            throw new NotSerializableException("tensor message dropped: " + reason);
        }
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            TensorChunk first = null;
            float[] data = null;
            int expected = 0;
            while (!in.isAtEnd()) {
                int len = in.readRawVarint32();
                if (len < 0 || len > TensorCodec.MAX_CHUNK_BYTES + 4096) {
                    throw new Refused("oversized", "chunk of " + len + " bytes");
                }
                int limit = in.pushLimit(len);
                TensorChunk c = TensorChunk.parseFrom(in);
                in.popLimit(limit);
                if (first == null) {
                    first = c;
                    if (c.getShardElements() < 0 || c.getShardElements() > MAX_SHARD_ELEMENTS) {
                        throw new Refused("oversized", "shard of " + c.getShardElements() + " elements");
                    }
                    // Every element travels as 4 bytes of this message: a header that claims more
                    // would make us allocate memory the sender never sent (a forged message's cheap OOM).
                    if (c.getShardElements() * Float.BYTES > bytes.length) {
                        throw new Refused("oversized", "shard of " + c.getShardElements() + " elements in a message of "
                                + bytes.length + " bytes");
                    }
                    data = new float[(int) c.getShardElements()];
                } else if (c.getStep() != first.getStep() || c.getGeneration() != first.getGeneration()
                        || c.getChunkCount() != first.getChunkCount() || c.getShard() != first.getShard()) {
                    throw new Refused("inconsistent", "chunk " + c.getChunkIndex() + " disagrees with the message's header");
                }
                String bad = TensorCodec.validate(c, first.getShardElements());
                if (bad != null) {
                    throw new Refused("invalid", bad);
                }
                if (c.getChunkIndex() != expected || c.getOffset() != (long) expected * TensorCodec.MAX_CHUNK_FLOATS) {
                    throw new Refused("out-of-order", "chunk " + c.getChunkIndex() + " at offset " + c.getOffset() + " out of order");
                }
                TensorCodec.decodeInto(c, data, 0);
                expected++;
            }
            if (first == null || expected != first.getChunkCount()) {
                throw new Refused("incomplete", "incomplete: " + expected + " of " + (first == null ? "?" : first.getChunkCount()) + " chunks");
            }
            if (GRADIENT.equals(manifest)) {
                return new AggregatorActor.Gradient(first.getStep(), first.getGeneration(), first.getSender(), data,
                        first.getSamples(), first.getSnapshotAfter(), first.getToken());
            }
            if (PARAMS.equals(manifest)) {
                return new WorkerActor.ShardParams(first.getStep(),
                        new ShardRange(first.getShard(), (int) first.getShardOffset(), data.length), data,
                        first.getToken());
            }
            code = "unknown-manifest";
            reason = "unknown manifest " + manifest;
        } catch (Refused e) {
            code = e.code;
            reason = e.getMessage();
        } catch (IOException | RuntimeException e) {
            code = "malformed";
            reason = "malformed: " + e.getMessage();
        }
        // The count's label is a fixed code: forged input must not mint new time series.
        DroppedMessages.dropped("tensor " + code);
        throw new NotSerializableException("tensor message dropped: " + reason);
    }

    private static final class Refused extends Exception {
        final String code;

        Refused(String code, String reason) {
            super(reason, null, false, false);
            this.code = code;
        }
    }
}
