using System.Text.Json.Serialization;
using Streaming.Contracts;
using Streaming.FeatureStore.Training;

namespace Streaming.Offline.Backfill;

/// <summary>
/// Everything a backfill needs to go on after an interruption, saved each time a row group of the training set is
/// written: how many history records it had consumed (the history is read in a fixed order, so a resumed run skips
/// that many), how many row groups the training set holds, the windows of every (view, entity) and the records of the
/// newest time not yet folded into them, and the events and predictions still waiting for their labels.
/// </summary>
public sealed record BackfillCheckpoint(
    long Consumed,
    long Records,
    long Examples,
    long UnmatchedLabels,
    int RowGroups,
    DateTimeOffset? Watermark,
    IReadOnlyList<ViewWindows> Windows,
    IReadOnlyList<DeferredFold> Deferred,
    IReadOnlyList<WaitingEvent> Waiting,
    IReadOnlyList<PredictionLog> Predictions,
    IReadOnlyList<WaitingId> Expiry);

/// <summary>One (view, entity)'s open windows: start → the aggregate's bytes (<see cref="FeatureStore.Aggregation.FeatureAggregate.Serialize"/>).</summary>
public sealed record ViewWindows(string View, string Entity, long NewestMs, IReadOnlyList<long> Starts, IReadOnlyList<byte[]> Aggregates);

public sealed record WaitingEvent(EntityEvent Event, IReadOnlyList<ViewSnapshot> Views);

public sealed record WaitingId(DateTimeOffset Time, string Id);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BackfillCheckpoint))]
public sealed partial class OfflineJsonContext : JsonSerializerContext;
