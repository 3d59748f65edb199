package t2t.loader.sampler;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.BitSet;

/**
 * Where an epoch stands, for checkpoints: the configuration, the epoch and the number of steps
 * issued, the last world size, and which positions of the epoch order are consumed (trained or
 * skipped) or dropped. Slices in flight when it was taken are not consumed: on resume they are
 * issued again. The epoch order itself is recomputed from (seed, epoch).
 */
public record SamplerState(SamplerConfig config, int epoch, long step, int workers, long[] consumed, long[] dropped) {
    private static final int FORMAT = 1;

    public BitSet consumedSet() {
        return BitSet.valueOf(consumed);
    }

    public BitSet droppedSet() {
        return BitSet.valueOf(dropped);
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(FORMAT);
            out.writeLong(config.datasetSize());
            out.writeInt(config.globalBatch());
            out.writeLong(config.seed());
            out.writeBoolean(config.shuffle());
            out.writeInt(config.repeats());
            out.writeBoolean(config.dropLast());
            out.writeInt(epoch);
            out.writeLong(step);
            out.writeInt(workers);
            writeLongs(out, consumed);
            writeLongs(out, dropped);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static SamplerState fromBytes(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IllegalArgumentException("unknown sampler state format " + format);
            }
            SamplerConfig config = new SamplerConfig(in.readLong(), in.readInt(), in.readLong(), in.readBoolean(),
                    in.readInt(), in.readBoolean());
            return new SamplerState(config, in.readInt(), in.readLong(), in.readInt(), readLongs(in), readLongs(in));
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated sampler state", e);
        }
    }

    private static void writeLongs(DataOutputStream out, long[] values) throws IOException {
        out.writeInt(values.length);
        for (long v : values) {
            out.writeLong(v);
        }
    }

    private static long[] readLongs(DataInputStream in) throws IOException {
        long[] values = new long[in.readInt()];
        for (int i = 0; i < values.length; i++) {
            values[i] = in.readLong();
        }
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SamplerState s && config.equals(s.config) && epoch == s.epoch && step == s.step
                && workers == s.workers && Arrays.equals(consumed, s.consumed) && Arrays.equals(dropped, s.dropped);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(consumed) * 31 + Long.hashCode(step) + epoch;
    }

    @Override
    public String toString() {
        return "SamplerState[epoch=" + epoch + ", step=" + step + ", workers=" + workers + ", consumed="
                + consumedSet().cardinality() + ", dropped=" + droppedSet().cardinality() + ", " + config + "]";
    }
}
