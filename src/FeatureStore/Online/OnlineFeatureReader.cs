using StackExchange.Redis;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Tiles;
using Streaming.FeatureStore.Training;

namespace Streaming.FeatureStore.Online;

/// <summary>The entity keys to read features for, and the time they should be valid at.</summary>
public readonly record struct FeatureQuery(IReadOnlyDictionary<string, string> Keys, DateTimeOffset AsOf);

/// <summary>
/// Reads feature vectors from the online store for serving: every view of every entity asked for in one
/// pipelined round trip. Values are checked against each view's TTL as of the time given: stale or
/// missing ones come back as defaults with their status, never as if valid.
/// </summary>
public sealed class OnlineFeatureReader(IConnectionMultiplexer redis, FeatureSet set)
{
    /// <summary>One vector per entity-key set, in order: a snapshot for each view whose entity kind the keys name.</summary>
    public Task<IReadOnlyList<IReadOnlyList<ViewSnapshot>>> ReadAsync(IReadOnlyList<IReadOnlyDictionary<string, string>> entities, DateTimeOffset asOf) =>
        ReadAsync(entities.Select(keys => new FeatureQuery(keys, asOf)).ToList());

    /// <summary>
    /// One vector per query, each as of its own time. Throws what Redis throws (<see cref="RedisException"/>,
    /// <see cref="TimeoutException"/>) or <see cref="OperationCanceledException"/>: the caller decides how an
    /// unreachable store is answered (serving: <see cref="Unavailable"/> behind a circuit breaker).
    /// </summary>
    /// <param name="futureTolerance">How far values may be newer than the time asked for (clock skew), see <see cref="ViewSnapshot.Resolve"/>.</param>
    public async Task<IReadOnlyList<IReadOnlyList<ViewSnapshot>>> ReadAsync(IReadOnlyList<FeatureQuery> queries, TimeSpan futureTolerance = default,
        CancellationToken cancellationToken = default)
    {
        var toleranceMs = (long)futureTolerance.TotalMilliseconds;
        var batch = redis.GetDatabase().CreateBatch();
        // Queries of one batch often share entities (a busy airport): each hash is read once.
        var hashes = new Dictionary<string, Task<HashEntry[]>>(StringComparer.Ordinal);
        var reads = queries.Select(query => ViewsOf(query)
                .Select(view => (View: view, Entity: query.Keys[view.Entity], Task: Read(OnlineKeys.For(view.Name, query.Keys[view.Entity]))))
                .ToList())
            .ToList();
        batch.Execute();
        var vectors = new List<IReadOnlyList<ViewSnapshot>>(reads.Count);
        for (var q = 0; q < reads.Count; q++)
        {
            var asOfMs = queries[q].AsOf.ToUnixTimeMilliseconds();
            var vector = new List<ViewSnapshot>(reads[q].Count);
            foreach (var (view, entity, task) in reads[q]) vector.Add(Snapshot(view, entity, await task.WaitAsync(cancellationToken), asOfMs, toleranceMs));
            vectors.Add(vector);
        }
        return vectors;

        Task<HashEntry[]> Read(string key)
        {
            if (!hashes.TryGetValue(key, out var read)) hashes[key] = read = batch.HashGetAllAsync(key);
            return read;
        }
    }

    /// <summary>What <see cref="ReadAsync(IReadOnlyList{FeatureQuery}, TimeSpan, CancellationToken)"/> would have read, as defaults flagged <see cref="SnapshotStatus.StoreUnavailable"/>.</summary>
    public IReadOnlyList<IReadOnlyList<ViewSnapshot>> Unavailable(IReadOnlyList<FeatureQuery> queries) =>
        queries.Select(query => (IReadOnlyList<ViewSnapshot>)ViewsOf(query)
                .Select(view => ViewSnapshot.Defaults(view, query.Keys[view.Entity], SnapshotStatus.StoreUnavailable, null))
                .ToList())
            .ToList();

    private IEnumerable<FeatureView> ViewsOf(FeatureQuery query) =>
        set.Views.Where(view => query.Keys.TryGetValue(view.Entity, out var id) && !string.IsNullOrEmpty(id));

    private static ViewSnapshot Snapshot(FeatureView view, string entity, HashEntry[] hash, long asOfMs, long toleranceMs)
    {
        // The window of the time asked for (or of the newest value, when that is later: clock skew), as the backfill reads it.
        var window = Merge(view, hash, asOfMs);
        if (window is null) return ViewSnapshot.Defaults(view, entity, SnapshotStatus.Missing, null);
        if (window.Aggregate.Count == 0) return ViewSnapshot.Defaults(view, entity, SnapshotStatus.Stale, null); // everything stored is older than the window
        return ViewSnapshot.Resolve(view, entity, window.Aggregate.MaxTimeMs, asOfMs, window.Aggregate.Value, toleranceMs);
    }

    /// <summary>The current window of a (view, entity) hash as stored: its parts merged (<see cref="TileMerge"/>); null when it holds none.</summary>
    public static MergedWindow? Merge(FeatureView view, HashEntry[] hash, long? asOfMs = null) =>
        TileMerge.Current(view, hash
            .Where(entry => entry.Name.ToString().StartsWith(OnlineKeys.PartPrefix, StringComparison.Ordinal))
            .OrderBy(entry => entry.Name.ToString(), StringComparer.Ordinal)
            .Select(entry => EntityTile.Deserialize((byte[])entry.Value!)), asOfMs);

    /// <summary>The current windows of several (view, entity) pairs in one pipelined round trip, in order (null where none is stored).</summary>
    public async Task<IReadOnlyList<MergedWindow?>> ReadWindowsAsync(IReadOnlyList<(FeatureView View, string Entity)> keys)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var reads = keys.Select(k => batch.HashGetAllAsync(OnlineKeys.For(k.View.Name, k.Entity))).ToList();
        batch.Execute();
        var windows = new MergedWindow?[keys.Count];
        for (var i = 0; i < keys.Count; i++) windows[i] = Merge(keys[i].View, await reads[i]);
        return windows;
    }
}
