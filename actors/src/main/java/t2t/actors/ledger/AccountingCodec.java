package t2t.actors.ledger;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.BitSet;
import java.util.Map;

/**
 * {@link Accounting} in a checkpoint (the {@code coordinator} file). Format 2: duplicates, then per
 * epoch its number, trained ids and skipped ids as bit sets. Format 1 (written before skipped
 * samples were listed) held one trained set per epoch in which skipped ids were counted as
 * trained; it is read as such, with no skipped ids.
 */
public final class AccountingCodec {
    private static final int FORMAT = 2;
    private static final int FORMAT_WITHOUT_SKIPS = 1;

    private AccountingCodec() {}

    public static byte[] encode(Accounting a) {
        try (ByteArrayOutputStream bo = new ByteArrayOutputStream(); DataOutputStream o = new DataOutputStream(bo)) {
            o.writeInt(FORMAT);
            o.writeLong(a.duplicates());
            Map<Long, BitSet> trained = a.trainedSets();
            o.writeInt(trained.size());
            for (Map.Entry<Long, BitSet> e : trained.entrySet()) {
                o.writeLong(e.getKey());
                writeBits(o, e.getValue());
                writeBits(o, a.skippedSets().getOrDefault(e.getKey(), new BitSet()));
            }
            o.flush();
            return bo.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads what {@link #encode} wrote; a truncated or unknown state is an {@link IllegalArgumentException}. */
    public static Accounting decode(byte[] state) {
        Accounting a = new Accounting();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            int format = in.readInt();
            if (format != FORMAT && format != FORMAT_WITHOUT_SKIPS) {
                throw new IllegalArgumentException("unknown sample accounting format " + format
                        + ": the checkpoint was written by a newer version");
            }
            a.restoreDuplicates(in.readLong());
            if (format == FORMAT_WITHOUT_SKIPS) {
                in.readLong(); // the skip count of format 1: its skipped ids are inside the trained set
            }
            int epochs = in.readInt();
            for (int i = 0; i < epochs; i++) {
                long epoch = in.readLong();
                if (format == FORMAT_WITHOUT_SKIPS) {
                    in.readLong(); // the trained count, which the set itself holds
                }
                BitSet trained = readBits(in);
                BitSet skipped = format == FORMAT ? readBits(in) : new BitSet();
                a.restoreEpoch(epoch, trained, skipped);
            }
            return a;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated sample accounting in the checkpoint", e);
        }
    }

    private static void writeBits(DataOutputStream o, BitSet bits) throws IOException {
        byte[] b = bits.toByteArray();
        o.writeInt(b.length);
        o.write(b);
    }

    private static BitSet readBits(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("bit set of " + n + " bytes in " + in.available());
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return BitSet.valueOf(b);
    }
}
