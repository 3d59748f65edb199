package t2t.actors.ledger;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Thousands of seeded random schedules of the step ledger ({@link LedgerSimulation}): worker
 * deaths, hangs and joins at every point, late and duplicated messages, undecodable samples,
 * checkpoints, and resumes from any of them. A failing schedule is reported with its seed and its
 * history; {@code -Dledger.seed=N} replays that one schedule alone.
 */
class LedgerSimulationTest {
    private static final int SCHEDULES = 10_000;

    @Test
    void everyScheduleTrainsEverySampleOfEveryEpochExactlyOnce() {
        long only = Long.getLong("ledger.seed", -1L);
        long first = only >= 0 ? only : 0;
        long last = only >= 0 ? only : SCHEDULES - 1;
        long t0 = System.nanoTime();
        for (long seed = first; seed <= last; seed++) {
            try {
                new LedgerSimulation(seed, false).run();
            } catch (RuntimeException e) {
                // Deterministic: the same seed again, this time keeping the history to show.
                LedgerSimulation replay = new LedgerSimulation(seed, true);
                try {
                    replay.run();
                } catch (RuntimeException again) {
                    e = again;
                }
                fail(replay.describe() + "\n" + e + "\nhistory (replay with -Dledger.seed=" + seed + "):\n"
                        + String.join("\n", replay.history()), e);
            }
        }
        System.out.printf("ledger simulation: %d schedules in %.1f s%n", last - first + 1,
                (System.nanoTime() - t0) / 1e9);
    }
}
