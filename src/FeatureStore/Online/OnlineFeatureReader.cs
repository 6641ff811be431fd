using System.Globalization;
using StackExchange.Redis;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Training;

namespace Streaming.FeatureStore.Online;

/// <summary>
/// Reads feature vectors from the online store for serving: every view of every entity asked for in one
/// pipelined round trip. Values are checked against each view's TTL as of the time given: stale or
/// missing ones come back as defaults with their status, never as if valid.
/// </summary>
public sealed class OnlineFeatureReader(IConnectionMultiplexer redis, FeatureSet set)
{
    /// <summary>One vector per entity-key set, in order: a snapshot for each view whose entity kind the keys name.</summary>
    public async Task<IReadOnlyList<IReadOnlyList<ViewSnapshot>>> ReadAsync(IReadOnlyList<IReadOnlyDictionary<string, string>> entities, DateTimeOffset asOf)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var reads = entities.Select(keys => set.Views
                .Where(view => keys.TryGetValue(view.Entity, out var id) && !string.IsNullOrEmpty(id))
                .Select(view => (View: view, Entity: keys[view.Entity], Task: batch.HashGetAllAsync(OnlineKeys.For(view.Name, keys[view.Entity]))))
                .ToList())
            .ToList();
        batch.Execute();
        var asOfMs = asOf.ToUnixTimeMilliseconds();
        var vectors = new List<IReadOnlyList<ViewSnapshot>>(reads.Count);
        foreach (var entityReads in reads)
        {
            var vector = new List<ViewSnapshot>(entityReads.Count);
            foreach (var (view, entity, task) in entityReads) vector.Add(Snapshot(view, entity, await task, asOfMs));
            vectors.Add(vector);
        }
        return vectors;
    }

    private static ViewSnapshot Snapshot(FeatureView view, string entity, HashEntry[] hash, long asOfMs)
    {
        var fields = hash.ToDictionary(entry => entry.Name.ToString(), entry => entry.Value.ToString());
        if (!fields.TryGetValue(OnlineKeys.Watermark, out var watermark))
            return ViewSnapshot.Defaults(view, entity, SnapshotStatus.Missing, null);
        return ViewSnapshot.Resolve(view, entity, long.Parse(watermark, CultureInfo.InvariantCulture), asOfMs,
            aggregation => fields.TryGetValue(aggregation.Name(), out var value) ? double.Parse(value, CultureInfo.InvariantCulture) : null);
    }
}
