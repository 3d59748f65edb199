package t2t.ops.cluster;

import t2t.actors.cluster.ShardMoveEvents;
import t2t.ops.Main;

import java.util.Arrays;

/**
 * {@code t2t} with one fault: {@code FaultyNode POINT node ...} runs the node command, and its JVM
 * halts (exit 137, no shutdown hooks, no graceful leave: as a SIGKILL would) when the node reaches
 * {@code POINT} of a shard move, so {@link ShardMoveFaultsTest} kills a joining aggregator node at an
 * exact point instead of racing a timer. Points: {@code start-shards} (asked to host shards, before
 * its shard host starts), {@code shard-piece} (the first piece of a moving shard arrived),
 * {@code shard-placed} (the first moved shard runs here and its placement had 2 s to reach the job
 * manager while the host's other pieces wait). {@code stall-shard-piece} blocks the shard host at the
 * first piece for 10 minutes instead: the node stays up but its move never finishes.
 */
public final class FaultyNode {
    private FaultyNode() {}

    public static void main(String[] args) {
        String point = args[0];
        ShardMoveEvents.observe(new ShardMoveEvents.Observer() {
            @Override
            public void hostingAsked() {
                haltAt("start-shards");
            }

            @Override
            public void movedPieceArrived() {
                haltAt("shard-piece");
                if (point.equals("stall-shard-piece")) {
                    System.err.println("fault injected at " + point + ": stalling");
                    sleep(600_000);
                }
            }

            @Override
            public void movedShardPlaced() {
                if (point.equals("shard-placed")) {
                    sleep(2000);
                    haltAt("shard-placed");
                }
            }

            private void haltAt(String here) {
                if (point.equals(here)) {
                    System.err.println("fault injected at " + point + ": halting");
                    Runtime.getRuntime().halt(137);
                }
            }
        });
        Main.main(Arrays.copyOfRange(args, 1, args.length));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
