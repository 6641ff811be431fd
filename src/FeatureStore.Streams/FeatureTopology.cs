using Streaming.Contracts;
using Streaming.Platform.Kafka;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Stream;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// The feature topology, without a single repartition:
/// <code>
///   events ──► tiles(events) ─────────────────► Redis: features:{view}:{entity} part:events:{p}
///   labels ─┬► tiles(labels) ─────────────────► Redis: features:{view}:{entity} part:labels:{p}
///           └► prediction–label join ◄── predictions
///                 │ (prediction-join-store, changelogged)
///                 ├► training-examples
///                 └► dead-letter (label_unmatched, malformed prediction logs)
/// </code>
/// Each task folds its own source partition's records into tiles (<see cref="TileProcessor"/>) and readers merge
/// the parts; the join meets predictions and labels in the task of their shared prediction-id key
/// (<see cref="PredictionLabelJoin"/>). Malformed and late events and labels are dead-lettered by the tile processors.
/// </summary>
internal sealed class FeatureTopology(TileSettings tiles, TimeSpan joinHorizon)
{
    public const string LateReason = "late_event";
    public const string UnmatchedLabelReason = "label_unmatched";
    private const string Source = "features";
    private static readonly StringSerDes Keys = new();
    private static readonly ByteArraySerDes Bytes = new();

    /// <summary>The topics Streamiz creates for this topology; on the embedded broker they are created up front (its admin API cannot).</summary>
    public static IEnumerable<TopicSpec> InternalTopics(string applicationId, int partitions) =>
        [new TopicSpec($"{applicationId}-{PredictionLabelJoin.StoreName}-changelog", partitions, Compacted: true)];

    public Topology Build()
    {
        var builder = new StreamBuilder();
        var events = Read(builder, Topics.Events);
        var labels = Read(builder, Topics.Labels);
        var predictions = Read(builder, Topics.Predictions);
        Tiles(events, Topics.Events);
        Tiles(labels, Topics.Labels);

        var outcomes = labels.Merge(predictions)
            .Transform(
                TransformerBuilder.New<string, byte[], string, JoinOutcome?>()
                    .Transformer<PredictionLabelJoin>(joinHorizon, tiles.Metrics)
                    .StateStore(Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore(PredictionLabelJoin.StoreName), Keys,
                        new BinarySerDes<PendingJoin>(p => p.Serialize(), b => PendingJoin.Deserialize(b))))
                    .Build(),
                "prediction-label-join")
            .Filter((_, outcome, _) => outcome is not null);
        outcomes.Filter((_, outcome, _) => outcome!.Example is not null)
            .MapValues((outcome, _) => outcome!.Example!)
            .To(Topics.TrainingExamples, Keys, Bytes);
        outcomes.Filter((_, outcome, _) => outcome!.Rejected is not null)
            .MapValues((outcome, context) => Reject(context, outcome!))
            .To(Topics.DeadLetter, Keys, Bytes);
        return builder.Build();
    }

    /// <summary>
    /// A source topic, with a missing key made empty: Streamiz skips a record with a null key before a stateful
    /// processor (with only a log line), and every record here is data whatever its key. Nothing downstream
    /// repartitions, so the new key changes no partition.
    /// </summary>
    private static IKStream<string, byte[]> Read(StreamBuilder builder, string topic) =>
        builder.Stream(topic, Keys, Bytes).SelectKey((key, _, _) => key ?? string.Empty);

    private void Tiles(IKStream<string, byte[]> stream, string topic) =>
        stream.Process(ProcessorBuilder.New<string, byte[]>()
            .Processor<TileProcessor>(tiles, topic)
            .StateStore(new TileFlushStore.Builder(TileFlushStore.StoreName(topic)))
            .Build(), $"{topic}-tiles");

    private byte[] Reject(IRecordContext context, JoinOutcome outcome)
    {
        tiles.Metrics.DeadLettered.WithLabels(outcome.Stream!, outcome.Reason!).Inc();
        context.SetHeaders(DeadLetter.Headers(outcome.Reason!, outcome.Detail, outcome.Stream!, Source, DateTimeOffset.UtcNow, outcome.Rejected!.Length));
        return DeadLetter.Value(outcome.Rejected);
    }
}
