namespace Streaming.Contracts;

/// <summary>A topic this service uses, with the partition count it is created with.</summary>
/// <param name="Compacted">Keep the newest record per key instead of deleting by age.</param>
public sealed record TopicSpec(string Name, int Partitions, bool Compacted = false);

/// <summary>Every topic name, defined once.</summary>
public static class Topics
{
    public const string Events = "events";
    public const string Labels = "labels";
    public const string Predictions = "predictions";
    public const string TrainingExamples = "training-examples";
    public const string ModelSnapshots = "model-snapshots";
    public const string DriftAlerts = "drift-alerts";
    public const string DeadLetter = "dead-letter";
    public const string RolloutDecisions = "rollout-decisions";

    /// <summary>
    /// The topics and partition counts this service creates. Events, labels and predictions share a
    /// partition count so that keyed streams are co-partitioned for joins.
    /// </summary>
    /// <param name="trainingExamplePartitions">More than one only for data-parallel learning (see Kafka:TrainingExamplePartitions).</param>
    public static IReadOnlyList<TopicSpec> All(int streamPartitions = 4, int trainingExamplePartitions = 1) =>
    [
        new(Events, streamPartitions),
        new(Labels, streamPartitions),
        new(Predictions, streamPartitions),
        // One partition by default: the learner is sequential, and one total order makes a resumed run learn exactly
        // what an uninterrupted one would (same examples, same order, bit for bit). Data-parallel workers share more.
        new(TrainingExamples, trainingExamplePartitions),
        new(ModelSnapshots, 1, Compacted: true),
        new(DriftAlerts, 1),
        new(RolloutDecisions, 1),
        new(DeadLetter, streamPartitions), // unkeyed: spread, so the embedded broker's per-partition retention holds more
    ];
}
