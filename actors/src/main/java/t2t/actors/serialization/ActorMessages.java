package t2t.actors.serialization;

import t2t.protocol.KryoRegistrations;

/**
 * The actor messages that cross nodes through {@link KryoSerializer}, appended to the closed Kryo
 * list in one fixed order (ids are positional, so every node must append the same classes in the
 * same order: only ever add at the end).
 */
final class ActorMessages {
    private ActorMessages() {}

    static void register() {
        KryoRegistrations.add(t2t.actors.Coordinator.Register.class);
        KryoRegistrations.add(t2t.actors.Coordinator.RequestWork.class);
        KryoRegistrations.add(t2t.actors.Coordinator.StepDone.class);
        KryoRegistrations.add(t2t.actors.Coordinator.EvalDone.class);
        KryoRegistrations.add(t2t.actors.Coordinator.WorkerIdle.class);
        KryoRegistrations.add(t2t.actors.runtime.StudentCompute.StepLoss.class);
        KryoRegistrations.add(t2t.actors.runtime.EvalResult.class);
        KryoRegistrations.add(t2t.actors.runtime.ShardRange.class);
        KryoRegistrations.add(t2t.actors.WorkerActor.Work.class);
        KryoRegistrations.add(t2t.actors.WorkerActor.NoMoreWork.class);
        KryoRegistrations.add(t2t.actors.WorkerActor.Topology.class);
        KryoRegistrations.add(t2t.actors.AggregatorActor.FetchParams.class);
        KryoRegistrations.add(double[][].class);
        KryoRegistrations.add(t2t.actors.cluster.JobManager.Submit.class);
        KryoRegistrations.add(t2t.actors.cluster.JobManager.JobStatus.class);
        KryoRegistrations.add(t2t.actors.cluster.JobManager.WorkersOffered.class);
        KryoRegistrations.add(t2t.actors.cluster.JobManager.WorkersStarted.class);
        KryoRegistrations.add(t2t.actors.cluster.NodeAgent.Describe.class);
        KryoRegistrations.add(t2t.actors.cluster.NodeAgent.StartWorkers.class);
        KryoRegistrations.add(t2t.actors.cluster.NodeAgent.StopJob.class);
        KryoRegistrations.add(t2t.actors.cluster.JobManager.WorkersFailed.class);
        // Parameter shards on aggregator nodes (issue 6): placement, moves, and the shards' own traffic.
        KryoRegistrations.add(t2t.actors.cluster.JobManager.ShardHostUp.class);
        KryoRegistrations.add(t2t.actors.cluster.JobManager.ShardPlaced.class);
        KryoRegistrations.add(t2t.actors.cluster.JobManager.ShardsFailed.class);
        KryoRegistrations.add(t2t.actors.cluster.NodeAgent.StartShards.class);
        KryoRegistrations.add(t2t.actors.cluster.NodeAgent.StopShards.class);
        KryoRegistrations.add(t2t.actors.cluster.ShardPiece.class);
        KryoRegistrations.add(t2t.actors.cluster.ShardHost.Put.class);
        KryoRegistrations.add(t2t.actors.cluster.ShardHost.Release.class);
        KryoRegistrations.add(t2t.actors.cluster.ShardGather.Piece.class);
        KryoRegistrations.add(t2t.actors.AggregatorActor.Membership.class);
        KryoRegistrations.add(t2t.actors.AggregatorActor.NormPart.class);
        KryoRegistrations.add(t2t.actors.AggregatorActor.GetStats.class);
        KryoRegistrations.add(t2t.actors.AggregatorActor.Stats.class);
        KryoRegistrations.add(t2t.actors.AggregatorActor.SnapshotTo.class);
        KryoRegistrations.add(t2t.actors.AggregatorActor.GetState.class);
        // Step commits: shards report arrivals, the coordinator names each step's contributors.
        KryoRegistrations.add(t2t.actors.Coordinator.BucketArrived.class);
        KryoRegistrations.add(t2t.actors.AggregatorActor.Commit.class);
    }
}
