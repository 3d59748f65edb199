package t2t.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import t2t.actors.runtime.BatchMaker;
import t2t.actors.runtime.TrainBatch;

/**
 * Decodes, augments and mixes one worker slice into a batch, on demand only (workers ask a bounded
 * number of steps ahead, so memory stays bounded). A pool of these runs behind a router on the
 * blocking loader dispatcher. The batch goes to the teacher when one is on, else to the worker.
 */
public final class LoaderActor extends AbstractBehavior<LoaderActor.Command> {

    public sealed interface Command {}

    /** Make the batch of {@code work} for {@code worker}, through {@code teacher} when not null. */
    public record Load(WorkerActor.Work work, ActorRef<WorkerActor.Command> worker,
                       ActorRef<TeacherActor.Command> teacher) implements Command {}

    private final BatchMaker maker;

    public static Behavior<Command> create(BatchMaker maker) {
        return Behaviors.setup(ctx -> new LoaderActor(ctx, maker));
    }

    private LoaderActor(ActorContext<Command> ctx, BatchMaker maker) {
        super(ctx);
        this.maker = maker;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder().onMessage(Load.class, this::onLoad).build();
    }

    private Behavior<Command> onLoad(Load l) {
        WorkerActor.Work w = l.work();
        TrainBatch batch;
        try {
            batch = maker.make(w.step(), w.epoch(), w.rank(), w.sampleIds(), w.copies());
        } catch (RuntimeException e) {
            // Bad samples are skipped inside the maker; anything else ends the job: a lost batch would hang it.
            l.worker().tell(new WorkerActor.BatchFailed(w, e));
            return this;
        }
        if (l.teacher() != null) {
            l.teacher().tell(new TeacherActor.Teach(w, batch, l.worker()));
        } else {
            l.worker().tell(new WorkerActor.BatchReady(w, batch));
        }
        return this;
    }
}
