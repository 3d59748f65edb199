package t2t.actors.ledger;

import t2t.loader.sampler.SamplerConfig;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One seeded schedule of a training job around a real {@link StepLedger} over a real
 * {@link SamplerPlan}, in the style of FoundationDB's simulation: workers that pull work, send
 * their buckets to shards one by one and then report; a network that delivers every message late
 * and in any order, sometimes twice; worker deaths, hangs (caught by the {@link StepDeadline} on a
 * simulated clock), joins, undecodable samples, checkpoints, and coordinator crashes resumed from
 * any checkpoint taken so far. Everything random comes from the seed, so a schedule replays exactly.
 *
 * <p>The truth it checks the ledger against is what the shards' parameters hold: the slices of a
 * committed step's contributors that sent their gradient (in local SGD, the worker's whole round
 * since its last send). After the run, every sample of every epoch must be in the parameters
 * exactly once, or skipped exactly once if undecodable, and the ledger's accounting must say the
 * same; after each resume, the ledger's restored accounting must be the checkpoint's truth.
 */
final class LedgerSimulation {
    private static final int PREFETCH = 2;
    private static final long MAX_EVENTS = 400_000;

    /** A schedule's invariant did not hold. */
    static final class Violation extends RuntimeException {
        Violation(String message) {
            super(message);
        }
    }

    /** A slice as the parameters see it: its epoch, ids and the undecodable ones among them. */
    private record Slice(long epoch, long[] ids, long[] skipped) {}

    /** What a report carries for the truth: the slices its gradient (or local model) brings to the shards. */
    private record Carried(String worker, List<Slice> slices) {}

    private sealed interface Msg permits Request, Report, Arrival, Lost, Register {}

    private record Request(String worker) implements Msg {}

    private record Report(String worker, long step, StepLedger.Report<Carried> report) implements Msg {}

    private record Arrival(String worker, long step, int shard) implements Msg {}

    private record Lost(String worker, String why) implements Msg {}

    private record Register(String worker) implements Msg {}

    private final class Worker {
        final String id;
        boolean dead;
        boolean hung;
        boolean requested;
        boolean noMore;
        final ArrayDeque<StepLedger.Work> queue = new ArrayDeque<>();
        StepLedger.Work current;
        boolean currentSends;
        int bucketsSent;
        /** Local SGD: the slices its replica trained since its last send. */
        final List<Slice> replica = new ArrayList<>();

        Worker(String id) {
            this.id = id;
        }

        boolean canAct() {
            return !dead && !hung;
        }

        /** One action: start a slice, send a bucket, send the report, or ask for work. */
        void act() {
            if (current == null && !queue.isEmpty()) {
                current = queue.poll();
                long[] bad = badIn(current.sampleIds());
                replica.add(new Slice(current.epoch(), current.sampleIds(), bad));
                currentSends = localRounds == 0 || (current.step() + 1) % localRounds == 0 || current.snapshotAfter();
                bucketsSent = 0;
                trace("%s computes step %d (%d ids, %d bad)%s", id, current.step(), current.sampleIds().length,
                        bad.length, currentSends ? "" : " in its replica");
            } else if (current != null && currentSends && bucketsSent < shards) {
                trace("%s sends its bucket of step %d to shard %d", id, current.step(), bucketsSent);
                network.add(new Arrival(id, current.step(), bucketsSent++));
            } else if (current != null) {
                List<Slice> carried = currentSends ? List.copyOf(replica) : List.of();
                if (currentSends) {
                    replica.clear();
                }
                trace("%s reports step %d", id, current.step());
                network.add(new Report(id, current.step(), new StepLedger.Report<>(current.sampleIds(),
                        badIn(current.sampleIds()), currentSends, new Carried(id, carried))));
                current = null;
            } else if (!requested && !noMore && queue.size() < PREFETCH) {
                requested = true;
                network.add(new Request(id));
            }
        }
    }

    private final long seed;
    private final SplittableRandom rnd;
    private final boolean tracing;
    private final List<String> history = new ArrayList<>();

    // The schedule's shape, drawn from the seed.
    private final int samples;
    private final int batch;
    private final int epochs;
    private final int shards;
    private final int localRounds;
    private final long checkpointEvery;
    private final BitSet bad = new BitSet();

    // The world of the current coordinator incarnation.
    private StepLedger<Carried> ledger;
    private StepDeadline deadline;
    private final Map<String, Worker> workers = new LinkedHashMap<>();
    private final List<Msg> network = new ArrayList<>();
    private final List<String> waiting = new ArrayList<>();
    private final List<String> joining = new ArrayList<>();
    private final ArrayDeque<Long> snapshotsDue = new ArrayDeque<>();
    private final Map<Long, int[][][]> truthAtCommit = new LinkedHashMap<>();
    private long now;
    private int nextWorker;
    private int incarnation;

    /** [0]: per epoch and id, times in the parameters; [1]: times consumed as skipped. */
    private int[][][] truth;
    /** Checkpoints written so far (any incarnation), each with the truth as of its step. */
    private final List<Saved> saved = new ArrayList<>();
    /** Since the last resume: the checkpoint's truth, and what the run trained after it. */
    private int[][][] resumedTruth;
    private int[][] trainedSinceResume;

    private record Saved(StepLedger.Checkpoint checkpoint, int[][][] truth) {}

    // Faults left to inject.
    private int deathsLeft;
    private int joinsLeft;
    private int crashesLeft;
    private long lastCommitted = -1;

    LedgerSimulation(long seed, boolean tracing) {
        this.seed = seed;
        this.rnd = new SplittableRandom(seed);
        this.tracing = tracing;
        this.samples = 4 + rnd.nextInt(45);
        this.batch = 1 + rnd.nextInt(8);
        this.epochs = 1 + rnd.nextInt(3);
        this.shards = 1 + rnd.nextInt(3);
        this.localRounds = rnd.nextInt(4) == 0 ? 2 + rnd.nextInt(3) : 0;
        this.checkpointEvery = rnd.nextInt(3) == 0 ? 0 : 1 + rnd.nextInt(5);
        double badShare = rnd.nextInt(3) == 0 ? 0.15 : 0;
        for (int i = 0; i < samples; i++) {
            if (rnd.nextDouble() < badShare) {
                bad.set(i);
            }
        }
        this.deathsLeft = rnd.nextInt(4);
        this.joinsLeft = rnd.nextInt(4);
        this.crashesLeft = rnd.nextInt(3);
        this.truth = new int[2][epochs][samples];
    }

    String describe() {
        return String.format("seed %d: %d samples, global batch %d, %d epochs, %d shards, %s, checkpoint %s, bad ids %s",
                seed, samples, batch, epochs, shards, localRounds == 0 ? "sync" : "local:" + localRounds,
                checkpointEvery == 0 ? "at epoch ends" : "every " + checkpointEvery + " steps", bad);
    }

    List<String> history() {
        return history;
    }

    private void trace(String format, Object... args) {
        if (tracing) {
            history.add(String.format("t=%.1fms ", now / 1e6) + String.format(format, args));
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new Violation(what);
        }
    }

    private long[] badIn(long[] ids) {
        return java.util.Arrays.stream(ids).filter(id -> bad.get((int) id)).toArray();
    }

    /** Runs the schedule to the job's end; throws {@link Violation} (or what the ledger threw) on a broken rule. */
    void run() {
        startIncarnation(new SamplerPlan(new SamplerConfig(samples, batch, seed, true, 1, false), epochs), 0, null,
                1 + rnd.nextInt(4));
        for (long event = 0; ; event++) {
            check(event < MAX_EVENTS, "no progress after " + MAX_EVENTS + " events: the job hangs");
            now += 100_000L * (1 + rnd.nextInt(10));
            if (finished()) {
                break;
            }
            step();
        }
        verifyEnd();
    }

    private boolean finished() {
        return ledger.complete();
    }

    private void startIncarnation(WorkPlan plan, long startStep, byte[] accounting, int initialWorkers) {
        incarnation++;
        ledger = new StepLedger<>(plan, new StepLedger.Rules(0, checkpointEvery, shards), startStep, accounting);
        deadline = new StepDeadline(Duration.ofMillis(50), now);
        workers.clear();
        network.clear();
        waiting.clear();
        joining.clear();
        snapshotsDue.clear();
        truthAtCommit.clear();
        lastCommitted = startStep - 1;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < initialWorkers; i++) {
            Worker w = newWorker();
            ids.add(w.id);
        }
        ledger.start(ids);
        trace("incarnation %d starts at step %d with %s", incarnation, startStep, ids);
    }

    private Worker newWorker() {
        Worker w = new Worker("i" + incarnation + "w" + nextWorker++);
        workers.put(w.id, w);
        return w;
    }

    /** One event, chosen at random: a delivery, a worker's action, a snapshot, a fault. */
    private void step() {
        for (String w : deadline.overdue(ledger.awaited(waiting), now)) {
            trace("%s missed the step deadline", w);
            lose(w, "missed the step deadline");
        }
        double r = rnd.nextDouble();
        if (r < 0.002 && deathsLeft > 0) {
            deathsLeft--;
            Worker w = anyLiving();
            if (w != null) {
                if (rnd.nextBoolean()) {
                    w.dead = true;
                    trace("%s dies", w.id);
                    network.add(new Lost(w.id, "died"));
                } else {
                    w.hung = true;
                    trace("%s hangs", w.id);
                }
            }
        } else if (r < 0.004 && joinsLeft > 0) {
            joinsLeft--;
            Worker w = newWorker();
            trace("%s registers", w.id);
            network.add(new Register(w.id));
        } else if (r < 0.005 && crashesLeft > 0) {
            crashesLeft--;
            crashAndResume();
        } else if (r < 0.05 && !snapshotsDue.isEmpty()) {
            takeSnapshot();
        } else if (r < 0.5 && !network.isEmpty()) {
            Msg m = network.remove(rnd.nextInt(network.size()));
            if (rnd.nextInt(30) == 0 && !(m instanceof Register) && !(m instanceof Lost)) {
                network.add(m); // delivered twice
                trace("the network duplicates %s", m);
            }
            deliver(m);
        } else {
            List<Worker> able = workers.values().stream().filter(Worker::canAct).toList();
            if (!able.isEmpty()) {
                able.get(rnd.nextInt(able.size())).act();
            }
        }
    }

    private Worker anyLiving() {
        List<Worker> living = workers.values().stream().filter(w -> !w.dead && !w.hung).toList();
        return living.isEmpty() ? null : living.get(rnd.nextInt(living.size()));
    }

    private void deliver(Msg m) {
        if (m instanceof Request q) {
            trace("coordinator: %s asks for work", q.worker());
            workers.get(q.worker()).requested = false;
            serve(q.worker());
        } else if (m instanceof Report p) {
            StepLedger.Outcome<Carried> o = ledger.report(p.worker(), p.step(), p.report());
            trace("coordinator: report of %s for step %d%s", p.worker(), p.step(), o.accepted() ? "" : " dropped");
            afterCommits(o.commits());
        } else if (m instanceof Arrival a) {
            StepLedger.Outcome<Carried> o = ledger.arrived(a.step(), a.shard(), a.worker());
            trace("coordinator: shard %d holds %s's step %d%s", a.shard(), a.worker(), a.step(),
                    o.accepted() ? "" : " dropped");
            afterCommits(o.commits());
        } else if (m instanceof Lost l) {
            lose(l.worker(), l.why());
        } else if (m instanceof Register g) {
            joining.add(g.worker());
            admitAtBoundary();
        }
    }

    private void serve(String worker) {
        if (!ledger.isMember(worker)) {
            return;
        }
        boolean boundary = ledger.atStepBoundary();
        StepLedger.Assignment a = ledger.assign(worker, joining.isEmpty());
        Worker w = workers.get(worker);
        if (a instanceof StepLedger.Handed h) {
            if (boundary) {
                deadline.restart(now);
            }
            trace("coordinator: %s gets step %d rank %d: %s", worker, h.work().step(), h.work().rank(),
                    java.util.Arrays.toString(h.work().sampleIds()));
            w.queue.add(h.work());
        } else if (a == StepLedger.NoMoreWork.INSTANCE) {
            w.noMore = true;
        } else if (!waiting.contains(worker)) {
            waiting.add(worker);
        }
    }

    private void lose(String worker, String why) {
        if (!ledger.lost(worker)) {
            return;
        }
        trace("coordinator: %s lost (%s)", worker, why);
        waiting.remove(worker);
        deadline.restart(now);
        if (ledger.members().isEmpty()) {
            // The actor would fail the job here; the simulation lets a replacement join to go on.
            Worker w = newWorker();
            trace("%s registers to replace the last worker", w.id);
            joining.add(w.id);
        }
        afterCommits(ledger.commitReady());
    }

    private void afterCommits(List<StepLedger.Committed<Carried>> commits) {
        for (StepLedger.Committed<Carried> c : commits) {
            check(c.step() == lastCommitted + 1, "step " + c.step() + " committed after step " + lastCommitted);
            lastCommitted = c.step();
            deadline.stepCommitted(now);
            for (Carried carried : c.details()) {
                for (Slice s : carried.slices()) {
                    for (long id : s.ids()) {
                        int kind = bad.get((int) id) ? 1 : 0;
                        truth[kind][(int) s.epoch()][(int) id]++;
                        if (kind == 0 && trainedSinceResume != null) {
                            trainedSinceResume[(int) s.epoch()][(int) id]++;
                        }
                    }
                }
            }
            trace("coordinator: step %d commits with %s", c.step(), c.contributors());
            if (c.checkpointAfter()) {
                truthAtCommit.put(c.step(), copy(truth));
                snapshotsDue.add(c.step());
            }
        }
        retryWaiting();
        admitAtBoundary();
    }

    private void retryWaiting() {
        List<String> retry = new ArrayList<>(waiting);
        waiting.clear();
        retry.forEach(this::serve);
    }

    private void admitAtBoundary() {
        if (joining.isEmpty() || !ledger.atStepBoundary()) {
            return;
        }
        trace("coordinator: admits %s at step %d", joining, ledger.nextStep());
        ledger.admit(new ArrayList<>(joining));
        joining.clear();
        deadline.restart(now);
        retryWaiting();
    }

    /** Every shard's snapshot of a checkpoint step arrived: the checkpoint is written. */
    private void takeSnapshot() {
        long step = snapshotsDue.poll();
        StepLedger.Checkpoint cp = ledger.takeCheckpoint(step);
        check(cp != null, "no checkpoint state kept for committed step " + step);
        saved.add(new Saved(cp, truthAtCommit.remove(step)));
        trace("checkpoint of step %d written", step);
    }

    /** The coordinator's node dies; a new one resumes from a checkpoint taken so far, or from scratch. */
    private void crashAndResume() {
        int pick = rnd.nextInt(saved.size() + 1);
        int initial = 1 + rnd.nextInt(4);
        if (pick == saved.size()) {
            trace("the coordinator crashes; the job starts again from scratch");
            truth = new int[2][epochs][samples];
            resumedTruth = copy(truth);
            trainedSinceResume = new int[epochs][samples];
            startIncarnation(new SamplerPlan(new SamplerConfig(samples, batch, seed, true, 1, false), epochs), 0, null,
                    initial);
            return;
        }
        Saved s = saved.get(pick);
        trace("the coordinator crashes; resume from the checkpoint of step %d", s.checkpoint().step());
        truth = copy(s.truth());
        resumedTruth = copy(s.truth());
        trainedSinceResume = new int[epochs][samples];
        startIncarnation(SamplerPlan.restore(s.checkpoint().planState(), epochs), s.checkpoint().step() + 1,
                s.checkpoint().accounting(), initial);
        Accounting restored = ledger.accounting();
        for (int e = 0; e < epochs; e++) {
            check(restored.trained(e).equals(ids(truth[0][e], 1)), "the checkpoint of step " + s.checkpoint().step()
                    + " credits " + restored.trained(e) + " in epoch " + e + ", its parameters hold "
                    + ids(truth[0][e], 1));
            check(restored.skipped(e).equals(ids(truth[1][e], 1)), "the checkpoint of step " + s.checkpoint().step()
                    + " lists skipped " + restored.skipped(e) + " in epoch " + e + ", not " + ids(truth[1][e], 1));
        }
    }

    private void verifyEnd() {
        Accounting a = ledger.accounting();
        check(a.duplicates() == 0, a.duplicates() + " duplicate samples");
        check(a.epochs() == epochs, "accounting of " + a.epochs() + " epochs, the run had " + epochs);
        for (int e = 0; e < epochs; e++) {
            for (int id = 0; id < samples; id++) {
                int trained = truth[0][e][id];
                int skipped = truth[1][e][id];
                if (bad.get(id)) {
                    check(trained == 0 && skipped == 1, "undecodable sample " + id + " of epoch " + e + " skipped "
                            + skipped + " times");
                } else {
                    check(trained == 1 && skipped == 0, "sample " + id + " of epoch " + e + " trained " + trained
                            + " times");
                }
                if (trainedSinceResume != null && !bad.get(id)) {
                    check(trainedSinceResume[e][id] == 1 - resumedTruth[0][e][id], "sample " + id + " of epoch " + e
                            + ": the checkpoint held it " + resumedTruth[0][e][id] + " times, the resumed run trained it "
                            + trainedSinceResume[e][id] + " times");
                }
            }
            check(a.trained(e).equals(ids(truth[0][e], 1)), "the ledger credits " + a.trained(e) + " in epoch " + e
                    + ", the parameters hold " + ids(truth[0][e], 1));
            check(a.skipped(e).equals(ids(truth[1][e], 1)), "the ledger lists skipped " + a.skipped(e) + " in epoch "
                    + e + ", not " + ids(truth[1][e], 1));
        }
        StepLedger.Membership m = ledger.membership();
        check(m.restarted() <= Math.min(m.lost(), m.joined()), "restarted " + m.restarted() + " with " + m.lost()
                + " lost and " + m.joined() + " joined");
    }

    private static BitSet ids(int[] counts, int times) {
        BitSet b = new BitSet();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == times) {
                b.set(i);
            }
        }
        return b;
    }

    private static int[][][] copy(int[][][] t) {
        int[][][] c = new int[t.length][][];
        for (int k = 0; k < t.length; k++) {
            c[k] = new int[t[k].length][];
            for (int e = 0; e < t[k].length; e++) {
                c[k][e] = t[k][e].clone();
            }
        }
        return c;
    }
}
