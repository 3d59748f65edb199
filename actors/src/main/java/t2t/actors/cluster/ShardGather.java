package t2t.actors.cluster;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import t2t.actors.AggregatorActor;
import t2t.actors.telemetry.DroppedMessages;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Beside the job manager: puts together the shard states that aggregators on other nodes send in
 * pieces (a checkpoint's snapshot, or the state of a shard about to move) and hands each whole
 * state to the local actor that asked for it. Its path lies on Artery's large-message lane.
 */
public final class ShardGather {
    public sealed interface Command {}

    /** One piece of transfer {@code transfer}; the whole state goes to {@code sink}. */
    public record Piece(String transfer, ShardPiece piece, ActorRef<AggregatorActor.ShardState> sink)
            implements Command {}

    /** Transfers whose sender died half-way never complete; past this many open ones the oldest go. */
    private static final int MAX_OPEN = 256;

    private ShardGather() {}

    public static Behavior<Command> create() {
        return Behaviors.setup(ctx -> {
            Map<String, ShardPiece.Assembly> open = new LinkedHashMap<>();
            return Behaviors.receive(Command.class)
                    .onMessage(Piece.class, p -> {
                        ShardPiece.Assembly a = open.computeIfAbsent(p.transfer(), k -> new ShardPiece.Assembly());
                        boolean whole;
                        try {
                            whole = a.add(p.piece());
                        } catch (IllegalArgumentException e) {
                            open.remove(p.transfer());
                            DroppedMessages.dropped(ctx.getLog(), "shard piece malformed", "dropped a shard piece: {}",
                                    e.getMessage());
                            return Behaviors.same();
                        }
                        if (whole) {
                            open.remove(p.transfer());
                            p.sink().tell(a.state());
                        } else if (open.size() > MAX_OPEN) {
                            open.remove(open.keySet().iterator().next());
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}
