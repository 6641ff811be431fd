using Streaming.FeatureStore.Tiles;

namespace Streaming.FeatureStore.Online;

/// <summary>
/// The online store's layout: one hash per (view, entity), with one field per source partition that has contributed
/// to it (<see cref="PartField"/>), holding that partition's tile (<see cref="EntityTile"/>); readers merge them. The
/// pipeline's progress per source partition sits in one hash per application (<see cref="Progress"/>).
/// </summary>
public static class OnlineKeys
{
    public const string PartPrefix = "part:";

    /// <summary>The one field of a backfilled (materialized) hash: the whole history, from no particular partition.</summary>
    public const string BackfillPart = PartPrefix + "backfill";

    public static string For(string view, string entity) => $"features:{view}:{entity}";

    public static string PartField(SourcePartition part) => $"{PartPrefix}{part.Topic}:{part.Partition}";

    public static string Progress(string applicationId) => $"features-progress:{applicationId}";
}
