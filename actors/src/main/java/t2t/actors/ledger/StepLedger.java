package t2t.actors.ledger;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The rules that decide which samples a job trains, as plain code the coordinator drives: the
 * step plan, hand-out, delivery, commit, requeue and credit, and what a checkpoint saves of them.
 * It knows workers by id only; no actor, clock or thread (the coordinator's thread owns it).
 *
 * <p>A worker's share of a step is <em>delivered</em> when its report arrived and every shard
 * holds its gradient (or, in local SGD between rounds, when its report arrived). A step commits
 * once every worker of the generation it was planned for is delivered or lost, and steps commit in
 * step order; its contributors are its delivered workers. A lost worker's undelivered slices go
 * back to the plan. Samples count as trained when they reach the shards' parameters: at the commit
 * of their step, or in local SGD at the commit of the worker's next averaging round. A checkpoint
 * of step {@code c} holds the plan and accounting as they stood when {@code c} committed, so a
 * resume plans again exactly what the checkpoint's parameters have not trained.
 *
 * @param <D> what a report carries besides its samples (the coordinator's loss and timing figures)
 */
public final class StepLedger<D> {
    /**
     * @param maxSteps        stop after this many steps in all (0: run the plan to its end)
     * @param checkpointEvery checkpoint after every this many steps (0: at each epoch's end), and after the last
     * @param shards          parameter shards: a delivered share has reached every one of them
     */
    public record Rules(long maxSteps, long checkpointEvery, int shards) {}

    /**
     * A worker's share of a planned step, to hand to it. {@code snapshotAfter}: the shards' state
     * is taken after this step, and a local SGD round ends with it: at a checkpoint, which needs
     * the state, and where the plan drains (an epoch's end or its short tail), which waits for
     * every slice in flight, so every replica's round must reach the shards there.
     */
    public record Work(long step, long epoch, int rank, long[] sampleIds, int[] copies, boolean snapshotAfter,
                       boolean evalAfter) {}

    /** What a worker may do when it asks for work. */
    public sealed interface Assignment permits Handed, Wait, NoMoreWork {}

    public record Handed(Work work) implements Assignment {}

    /** Nothing to hand out now (the epoch's tail waits on slices in flight, or planning is held). */
    public enum Wait implements Assignment { INSTANCE }

    /** Every step has committed and nothing can come back. */
    public enum NoMoreWork implements Assignment { INSTANCE }

    /**
     * A worker's report of its share of a step: the slice it was handed, the ids of it that could
     * not be decoded, and whether it sent the step's gradient (or local SGD model) to every shard.
     */
    public record Report<D>(long[] sampleIds, long[] skippedIds, boolean bucketsSent, D detail) {}

    /**
     * A committed step: every shard applies exactly {@code contributors}' gradients ({@code details}
     * their reports' details, aligned). {@code evaluator}: the contributor that evaluates the model
     * after this step (rank 0 of an epoch's last step), or null.
     */
    public record Committed<D>(long step, long epoch, List<String> contributors, List<D> details,
                               boolean checkpointAfter, boolean evalAfter, String evaluator) {}

    /**
     * A message's effect: {@code accepted} false when the ledger dropped it (unknown step, a
     * duplicate, or from a worker that was lost), and the steps it let commit, in step order.
     */
    public record Outcome<D>(boolean accepted, List<Committed<D>> commits) {}

    /** What a checkpoint of {@code step} saves of the ledger. */
    public record Checkpoint(long step, long epoch, byte[] planState, byte[] accounting) {}

    /** What happened to the membership, for the summary. */
    public record Membership(long lost, long joined, long restarted, long messagesFromLostWorkers) {}

    private static final class Planned<D> {
        final WorkPlan.Step step;
        /** The workers of the generation the step was planned for, in rank order. */
        final List<String> ranks;
        final Set<Integer> handedOut = new HashSet<>();
        final Map<String, Report<D>> done = new HashMap<>();
        /** Per worker, the shards that hold its bucket of this step. */
        final Map<String, BitSet> arrived = new HashMap<>();
        /** Workers lost before they were delivered: left out of this step, their slices requeued. */
        final Set<String> excluded = new HashSet<>();
        final boolean checkpointAfter;
        final boolean evalAfter;

        Planned(WorkPlan.Step step, List<String> ranks, boolean checkpointAfter, boolean evalAfter) {
            this.step = step;
            this.ranks = ranks;
            this.checkpointAfter = checkpointAfter;
            this.evalAfter = evalAfter;
        }
    }

    /** A worker's part of a committed step. */
    private record Share(long step, int rank, long epoch, long[] sampleIds, long[] skippedIds) {}

    private final WorkPlan plan;
    private final Rules rules;
    private final Accounting accounting;
    private final TreeMap<Long, Planned<D>> planned = new TreeMap<>();
    private long nextStepToPlan;
    private boolean exhausted;
    private long finalStep = -1;
    private List<String> members = List.of();
    /**
     * Local SGD: each worker's shares since its last averaging round. They count as trained when its
     * round's model reaches every shard; if it is lost before, its replica's updates are gone, so
     * the slices go back to the plan.
     */
    private final Map<String, List<Share>> unsettled = new HashMap<>();
    private final Map<Long, Checkpoint> checkpoints = new LinkedHashMap<>();
    private final Set<String> lostWorkers = new HashSet<>();
    private long lost;
    private long joined;
    private long restarted;
    /** Lost workers whose place no joiner has taken yet. */
    private long vacancies;
    private long messagesFromLostWorkers;

    /**
     * A ledger over {@code plan} from step {@code startStep}, with the accounting of the checkpoint
     * it resumes from ({@code restoredAccounting}, or null for a fresh run).
     */
    public StepLedger(WorkPlan plan, Rules rules, long startStep, byte[] restoredAccounting) {
        this.plan = plan;
        this.rules = rules;
        this.nextStepToPlan = startStep;
        this.accounting = restoredAccounting == null ? new Accounting() : AccountingCodec.decode(restoredAccounting);
    }

    /** The first generation's workers, in rank order. */
    public void start(List<String> workers) {
        members = List.copyOf(workers);
    }

    /** Admits {@code workers} at a step boundary; each one that takes a lost worker's place counts as restarted. */
    public void admit(List<String> workers) {
        List<String> next = new ArrayList<>(members);
        next.addAll(workers);
        members = List.copyOf(next);
        lostWorkers.removeAll(workers);
        joined += workers.size();
        long replacing = Math.min(vacancies, workers.size());
        restarted += replacing;
        vacancies -= replacing;
    }

    /** The current generation's workers, in rank order. */
    public List<String> members() {
        return members;
    }

    public boolean isMember(String worker) {
        return members.contains(worker);
    }

    /**
     * The worker's slice of the lowest planned step it lacks; if it has them all, a newly planned
     * step when {@code mayPlan} (false while joiners wait for a step boundary).
     */
    public Assignment assign(String worker, boolean mayPlan) {
        if (!isMember(worker)) {
            return Wait.INSTANCE;
        }
        for (Planned<D> p : planned.values()) {
            int rank = p.ranks.indexOf(worker);
            if (rank >= 0 && !p.handedOut.contains(rank) && !p.excluded.contains(worker)) {
                return handOut(p, rank);
            }
        }
        Planned<D> p = mayPlan ? planNext() : null;
        if (p != null) {
            return handOut(p, p.ranks.indexOf(worker));
        }
        // Only once every step committed: until then a loss can send slices back to the plan.
        return complete() ? NoMoreWork.INSTANCE : Wait.INSTANCE;
    }

    private Handed handOut(Planned<D> p, int rank) {
        p.handedOut.add(rank);
        WorkPlan.Step s = p.step;
        return new Handed(new Work(s.step(), s.epoch(), rank, s.slices()[rank], s.copies()[rank],
                p.checkpointAfter || s.drainsPlan(), p.evalAfter && rank == 0));
    }

    private Planned<D> planNext() {
        if (exhausted || (rules.maxSteps() > 0 && nextStepToPlan >= rules.maxSteps())) {
            exhausted = true;
            return null;
        }
        WorkPlan.Step s = plan.next(members.size());
        if (s == null) {
            exhausted = plan.finished();
            return null;
        }
        if (s.step() != nextStepToPlan) {
            throw new IllegalStateException("plan produced step " + s.step() + ", expected " + nextStepToPlan);
        }
        nextStepToPlan++;
        boolean last = s.lastOfRun() || (rules.maxSteps() > 0 && s.step() == rules.maxSteps() - 1);
        boolean checkpoint = rules.checkpointEvery() > 0
                ? (s.step() + 1) % rules.checkpointEvery() == 0 || last
                : s.lastOfEpoch() || last;
        Planned<D> p = new Planned<>(s, members, checkpoint, s.lastOfEpoch() || last);
        planned.put(s.step(), p);
        if (last) {
            finalStep = s.step();
            exhausted = true;
        }
        return p;
    }

    /** {@code worker}'s report of {@code step}. */
    public Outcome<D> report(String worker, long step, Report<D> report) {
        Planned<D> p = planned.get(step);
        if (p == null || !p.ranks.contains(worker) || !isMember(worker) || p.done.containsKey(worker)
                || p.excluded.contains(worker)) {
            return dropped(worker);
        }
        p.done.put(worker, report);
        return new Outcome<>(true, commitReady());
    }

    /** Shard {@code shard} holds {@code worker}'s bucket of {@code step}. */
    public Outcome<D> arrived(long step, int shard, String worker) {
        Planned<D> p = planned.get(step);
        if (p == null || !p.ranks.contains(worker) || p.excluded.contains(worker) || shard < 0
                || shard >= rules.shards()) {
            return dropped(worker);
        }
        p.arrived.computeIfAbsent(worker, w -> new BitSet()).set(shard);
        return new Outcome<>(true, commitReady());
    }

    private Outcome<D> dropped(String worker) {
        if (lostWorkers.contains(worker)) {
            messagesFromLostWorkers++;
        }
        return new Outcome<>(false, List.of());
    }

    /**
     * {@code worker} is gone: it leaves the membership, and every slice of it that has not reached
     * the shards goes back to the plan. Delivered shares stay in: every shard holds them, so their
     * steps still apply them everywhere alike. Returns false if it was not a member. The caller
     * starts a generation without it, then calls {@link #commitReady()}: steps that waited only on
     * it commit with the survivors.
     */
    public boolean lost(String worker) {
        if (!isMember(worker)) {
            return false;
        }
        List<String> next = new ArrayList<>(members);
        next.remove(worker);
        members = List.copyOf(next);
        lostWorkers.add(worker);
        lost++;
        vacancies++;
        boolean requeued = false;
        // A round whose model already reached every shard in a step not yet committed settles there.
        List<Share> round = roundReachesShards(worker) ? null : unsettled.remove(worker);
        if (round != null) {
            for (Share s : round) {
                plan.requeue(s.step(), s.rank());
                requeued = true;
            }
        }
        for (Planned<D> p : planned.values()) {
            int rank = p.ranks.indexOf(worker);
            if (rank >= 0 && !delivered(p, worker)) {
                p.excluded.add(worker);
                plan.requeue(p.step.step(), rank);
                requeued = true;
            }
        }
        if (requeued) {
            reopenPlan();
        }
        return true;
    }

    /** Commits the oldest planned steps while each is settled: every worker of it delivered or lost. */
    public List<Committed<D>> commitReady() {
        List<Committed<D>> commits = new ArrayList<>();
        while (!planned.isEmpty() && settled(planned.firstEntry().getValue())) {
            commits.add(commit(planned.pollFirstEntry().getValue()));
        }
        return commits;
    }

    private boolean settled(Planned<D> p) {
        for (String w : p.ranks) {
            if (isMember(w) && !p.excluded.contains(w) && !delivered(p, w)) {
                return false;
            }
        }
        return true;
    }

    /** Its report arrived and every shard holds its bucket: the worker's share of the step is in. */
    private boolean delivered(Planned<D> p, String worker) {
        Report<D> d = p.done.get(worker);
        if (d == null || p.excluded.contains(worker)) {
            return false;
        }
        BitSet got = p.arrived.get(worker);
        return !d.bucketsSent() || (got != null && got.cardinality() == rules.shards());
    }

    private Committed<D> commit(Planned<D> p) {
        long step = p.step.step();
        List<String> contributors = new ArrayList<>();
        List<D> details = new ArrayList<>();
        List<Share> settledShares = new ArrayList<>();
        for (int rank = 0; rank < p.ranks.size(); rank++) {
            String w = p.ranks.get(rank);
            if (!delivered(p, w)) {
                continue;
            }
            Report<D> d = p.done.get(w);
            if (!d.bucketsSent() && !isMember(w) && !roundReachesShards(w)) {
                // A local SGD step of a worker already lost: its replica, and the update, are gone.
                plan.requeue(step, rank);
                reopenPlan();
                continue;
            }
            contributors.add(w);
            details.add(d.detail());
            Share share = new Share(step, rank, p.step.epoch(), d.sampleIds(), d.skippedIds());
            if (d.bucketsSent()) {
                List<Share> round = unsettled.remove(w);
                if (round != null) {
                    settledShares.addAll(round);
                }
                settledShares.add(share);
            } else {
                // Local SGD between averaging rounds: the update lives only in the worker's replica.
                unsettled.computeIfAbsent(w, k -> new ArrayList<>()).add(share);
            }
        }
        for (Share s : settledShares) {
            plan.completed(s.step(), s.rank());
            accounting.credit(s.epoch(), s.sampleIds(), s.skippedIds());
        }
        if (p.checkpointAfter) {
            // Taken now, as of this step: later steps may commit before the shards' snapshots arrive.
            checkpoints.put(step, new Checkpoint(step, p.step.epoch(), plan.saveState(step + 1),
                    AccountingCodec.encode(accounting)));
        }
        String evaluator = p.evalAfter && contributors.contains(p.ranks.get(0)) ? p.ranks.get(0) : null;
        return new Committed<>(step, p.step.epoch(), List.copyOf(contributors), details, p.checkpointAfter,
                p.evalAfter, evaluator);
    }

    /**
     * Local SGD: {@code worker} delivered the end of a round (its model is at every shard) in a step
     * still to commit, which carries its steps before it into the parameters, lost or not.
     */
    private boolean roundReachesShards(String worker) {
        for (Planned<D> p : planned.values()) {
            Report<D> d = p.done.get(worker);
            if (d != null && d.bucketsSent() && delivered(p, worker)) {
                return true;
            }
        }
        return false;
    }

    /** After a requeue: the requeued samples need steps after the one planned as the last. */
    private void reopenPlan() {
        if (exhausted && !plan.finished() && (rules.maxSteps() <= 0 || nextStepToPlan < rules.maxSteps())) {
            exhausted = false;
            finalStep = -1;
        }
    }

    /** The checkpoint state of committed step {@code step}, handed over once (null if none is kept). */
    public Checkpoint takeCheckpoint(long step) {
        return checkpoints.remove(step);
    }

    /** True when no planned step waits to commit: a step boundary. */
    public boolean atStepBoundary() {
        return planned.isEmpty();
    }

    /** True when every step of the run has committed and nothing can come back to the plan. */
    public boolean complete() {
        return exhausted && planned.isEmpty() && unsettled.values().stream().allMatch(List::isEmpty);
    }

    /** The number the next planned step gets: after a boundary, the step joiners start at. */
    public long nextStep() {
        return nextStepToPlan;
    }

    /** The run's last step once it is planned (-1 before, or again after a requeue reopened the plan). */
    public long finalStep() {
        return finalStep;
    }

    /**
     * The members the job waits on now: those the oldest planned step has not had delivered, or at
     * a step boundary of an unfinished run, those not among {@code askingForWork} (a worker asks
     * for its next step as soon as it trained one, so one that stays silent is hung).
     */
    public List<String> awaited(Collection<String> askingForWork) {
        List<String> waiting = new ArrayList<>();
        if (planned.isEmpty()) {
            if (!complete()) {
                for (String w : members) {
                    if (!askingForWork.contains(w)) {
                        waiting.add(w);
                    }
                }
            }
            return waiting;
        }
        Planned<D> p = planned.firstEntry().getValue();
        for (String w : p.ranks) {
            if (isMember(w) && !p.excluded.contains(w) && !delivered(p, w)) {
                waiting.add(w);
            }
        }
        return waiting;
    }

    /**
     * The shards that have not acknowledged {@code worker}'s bucket of the oldest planned step
     * although its report arrived (it sends the report after every bucket, so the wait is on those
     * shards, not on it); empty if its report is not in or nothing is missing.
     */
    public BitSet shardsAwaited(String worker) {
        BitSet missing = new BitSet();
        if (planned.isEmpty()) {
            return missing;
        }
        Planned<D> p = planned.firstEntry().getValue();
        Report<D> d = p.done.get(worker);
        if (d == null || !d.bucketsSent() || p.excluded.contains(worker)) {
            return missing;
        }
        missing.set(0, rules.shards());
        BitSet got = p.arrived.get(worker);
        if (got != null) {
            missing.andNot(got);
        }
        return missing;
    }

    public long stepsPerEpoch() {
        return plan.stepsPerEpoch();
    }

    public Accounting accounting() {
        return accounting;
    }

    public Membership membership() {
        return new Membership(lost, joined, restarted, messagesFromLostWorkers);
    }
}
