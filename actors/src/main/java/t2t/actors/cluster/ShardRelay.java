package t2t.actors.cluster;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import t2t.actors.AggregatorActor;

/**
 * Beside an aggregator whose state is asked for from another node: cuts each state it gets into
 * {@link ShardPiece}s, each small enough for one large frame, and sends them to the asking node's
 * {@link ShardGather}, which hands the whole state to {@code sink}. {@code once}: for a single
 * answer (a state about to move), then it stops; else it relays every checkpoint snapshot.
 */
final class ShardRelay {
    private ShardRelay() {}

    static Behavior<AggregatorActor.ShardState> create(ActorRef<AggregatorActor.ShardState> sink,
                                                       ActorRef<ShardGather.Command> gather, boolean once) {
        return Behaviors.setup(ctx -> {
            String id = ctx.getSelf().path().toSerializationFormat();
            long[] sent = {0};
            return Behaviors.receiveMessage(state -> {
                String transfer = id + "#" + (++sent[0]);
                for (ShardPiece p : ShardPiece.split(state, false)) {
                    gather.tell(new ShardGather.Piece(transfer, p, sink));
                }
                return once ? Behaviors.stopped() : Behaviors.same();
            });
        });
    }
}
