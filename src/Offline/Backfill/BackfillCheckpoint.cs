using System.Text.Json.Serialization;
using Streaming.Contracts;
using Streaming.FeatureStore.Training;

namespace Streaming.Offline.Backfill;

/// <summary>
/// Everything a backfill needs to go on after an interruption, saved each time a row group of the training set is
/// written: how many history records it had consumed (the history is read in a fixed order, so a resumed run skips
/// that many), how many row groups the training set holds, the tile of every (view, entity) and the records of the
/// newest time not yet folded into them, and the events and predictions still waiting for their labels.
/// </summary>
internal sealed record BackfillCheckpoint(
    long Consumed,
    long Records,
    long Examples,
    long UnmatchedLabels,
    int RowGroups,
    DateTimeOffset? Watermark,
    IReadOnlyList<ViewTile> Tiles,
    IReadOnlyList<DeferredFold> Deferred,
    IReadOnlyList<WaitingEvent> Waiting,
    IReadOnlyList<PredictionLog> Predictions,
    IReadOnlyList<WaitingId> Expiry);

/// <summary>One (view, entity)'s tile, as <see cref="FeatureStore.Tiles.EntityTile.Serialize"/> writes it.</summary>
public sealed record ViewTile(string View, string Entity, byte[] Tile);

internal sealed record WaitingEvent(EntityEvent Event, IReadOnlyList<ViewSnapshot> Views);

internal sealed record WaitingId(DateTimeOffset Time, string Id);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BackfillCheckpoint))]
internal sealed partial class OfflineJsonContext : JsonSerializerContext;
