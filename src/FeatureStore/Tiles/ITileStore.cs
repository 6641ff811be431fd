using Streaming.FeatureStore.Definitions;

namespace Streaming.FeatureStore.Tiles;

/// <summary>A source partition of the feature pipeline: the topic and partition number whose records a tile holds.</summary>
public readonly record struct SourcePartition(string Topic, int Partition)
{
    public override string ToString() => $"{Topic}:{Partition}";
}

/// <summary>
/// How far a source partition's records are in the store: every record up to <see cref="Offset"/> is folded into
/// its tiles (or was dead-lettered), and <see cref="NewestMs"/> is the newest event time among them, which
/// lateness is judged against.
/// </summary>
public readonly record struct PartitionProgress(long Offset, long NewestMs);

/// <summary>
/// One tile to store, a partition's part of an entity's hash, as it was when the write was made: serialized, so the
/// tile may go on changing while the write is in flight, and a retried write sends the same state.
/// </summary>
public sealed record TileWrite(FeatureView View, string Entity, SourcePartition Part, byte[] Tile, long NewestIngestMs)
{
    public static TileWrite Of(FeatureView view, string entity, SourcePartition part, EntityTile tile) =>
        new(view, entity, part, tile.Serialize(), tile.NewestIngestMs);
}

/// <summary>
/// Where the pipeline keeps its tiles: the online store itself (Redis), which is then also its state. A flush writes
/// the changed tiles together with each partition's progress, atomically, so that after a crash a partition resumes
/// from exactly the state its progress describes.
/// </summary>
public interface ITileStore
{
    /// <summary>Null when the partition was never flushed (its tiles are all absent).</summary>
    PartitionProgress? LoadProgress(string applicationId, SourcePartition part);

    /// <summary>The stored tile, or null.</summary>
    EntityTile? LoadTile(FeatureView view, string entity, SourcePartition part);

    /// <summary>
    /// Writes the tiles and progress in one transaction; the task faults when the store cannot be reached. Writing the
    /// same arguments again is harmless (a retry after a fault whose transaction did land).
    /// </summary>
    Task WriteAsync(string applicationId, IReadOnlyCollection<TileWrite> tiles, IReadOnlyDictionary<SourcePartition, PartitionProgress> progress);
}
