package t2t.actors.ledger;

import org.junit.jupiter.api.Test;
import t2t.loader.sampler.SamplerConfig;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.BitSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ledger's membership counters and its checkpoint codec, step by step. */
class StepLedgerTest {
    private static StepLedger<String> ledger() {
        StepLedger<String> l = new StepLedger<>(new SamplerPlan(new SamplerConfig(16, 4, 1, true, 1, false), 1),
                new StepLedger.Rules(0, 0, 1), 0, null);
        l.start(List.of("a", "b"));
        return l;
    }

    @Test
    void aJoinerCountsAsARestartOnlyInTheVacancyOfALostWorker() {
        StepLedger<String> l = ledger();
        l.admit(List.of("c"));
        assertEquals(new StepLedger.Membership(0, 1, 0, 0), l.membership());
        l.lost("a");
        l.admit(List.of("d", "e"));
        assertEquals(new StepLedger.Membership(1, 3, 1, 0), l.membership());
        assertEquals(List.of("b", "c", "d", "e"), l.members());
    }

    @Test
    void messagesFromALostWorkerAreDroppedAndCounted() {
        StepLedger<String> l = ledger();
        StepLedger.Work w = ((StepLedger.Handed) l.assign("a", true)).work();
        l.lost("a");
        StepLedger.Outcome<String> o = l.report("a", w.step(), new StepLedger.Report<>(w.sampleIds(), new long[0],
                true, "late"));
        assertEquals(false, o.accepted());
        assertEquals(false, l.arrived(w.step(), 0, "a").accepted());
        assertEquals(2, l.membership().messagesFromLostWorkers());
    }

    @Test
    void theAccountingSurvivesItsCodecWithSkippedIds() {
        Accounting a = new Accounting();
        a.credit(0, new long[] {1, 2, 3}, new long[] {2});
        a.credit(1, new long[] {3}, new long[0]);
        a.credit(1, new long[] {3}, new long[0]);
        Accounting b = AccountingCodec.decode(AccountingCodec.encode(a));
        assertEquals(List.of(2L, 1L), b.trainedPerEpoch());
        assertEquals(List.of(1L, 0L), b.skippedPerEpoch());
        assertEquals(1, b.duplicates());
        assertEquals(BitSet.valueOf(new long[] {0b100}), b.skipped(0));
    }

    @Test
    void aFormatOneCheckpointIsReadWithItsSkipsInsideTheTrainedSet() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream o = new DataOutputStream(bytes)) {
            o.writeInt(1);
            o.writeLong(0);
            o.writeLong(1);
            o.writeInt(1);
            o.writeLong(0);
            o.writeLong(2);
            byte[] bits = BitSet.valueOf(new long[] {0b110}).toByteArray();
            o.writeInt(bits.length);
            o.write(bits);
        }
        Accounting a = AccountingCodec.decode(bytes.toByteArray());
        assertEquals(List.of(2L), a.trainedPerEpoch());
        assertEquals(0, a.skippedTotal());
    }

    @Test
    void aTruncatedAccountingIsRefused() {
        byte[] whole = AccountingCodec.encode(new Accounting());
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AccountingCodec.decode(cut));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }
}
