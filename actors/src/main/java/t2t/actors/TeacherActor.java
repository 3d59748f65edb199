package t2t.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import t2t.actors.runtime.TeacherCompute;
import t2t.actors.runtime.TrainBatch;

import java.util.function.Supplier;

/**
 * Runs the teacher on the very mixed pixels the student will see (eval mode, no gradients) and
 * attaches the global logits and the dense per-token targets, one step ahead of the worker.
 */
public final class TeacherActor extends AbstractBehavior<TeacherActor.Command> {

    public sealed interface Command {}

    public record Teach(WorkerActor.Work work, TrainBatch batch, ActorRef<WorkerActor.Command> worker)
            implements Command {}

    private final TeacherCompute teacher;

    public static Behavior<Command> create(Supplier<TeacherCompute> teacher) {
        return Behaviors.setup(ctx -> new TeacherActor(ctx, teacher.get()));
    }

    private TeacherActor(ActorContext<Command> ctx, TeacherCompute teacher) {
        super(ctx);
        this.teacher = teacher;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Teach.class, this::onTeach)
                .onSignal(PostStop.class, s -> {
                    teacher.close();
                    return this;
                })
                .build();
    }

    private Behavior<Command> onTeach(Teach t) {
        try {
            t.worker().tell(new WorkerActor.BatchReady(t.work(), teacher.teach(t.batch())));
        } catch (RuntimeException e) {
            t.worker().tell(new WorkerActor.BatchFailed(t.work(), e));
        }
        return this;
    }
}
