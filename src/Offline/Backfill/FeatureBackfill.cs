using StackExchange.Redis;
using Streaming.Contracts;
using Streaming.FeatureStore.Aggregation;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;
using Streaming.FeatureStore.Tiles;
using Streaming.FeatureStore.Training;

namespace Streaming.Offline.Backfill;

/// <summary>
/// The feature views recomputed from history, fed in event-time order, with the streaming pipeline's own
/// definitions (<see cref="ViewInputs"/>, <see cref="WindowSpec"/>), tiles (<see cref="EntityTile"/>) and merge
/// (<see cref="TileMerge"/>): there is no second implementation of any aggregation, and the backfill's one tile per
/// (view, entity) merges to what the pipeline's tiles of several partitions merge to. An event of the predicted type is probed (every view as of
/// its time: what the label join does) and folded in; a label is folded in at its own time. As in the streaming probe,
/// a probe sees exactly the records before its time: records are folded in only once time has moved past theirs, so
/// none at the same time counts, whichever order equal times came in. Panes that can no longer be current are
/// dropped as time moves on, so memory follows the number of entities, not the length of history.
/// </summary>
public sealed class FeatureBackfill(FeatureSet set)
{
    private readonly Dictionary<(string View, string Entity), EntityTile> _state = [];
    private readonly List<DeferredFold> _atNewestTime = [];

    /// <summary>Records folded in so far.</summary>
    public long Records { get; private set; }

    /// <summary>Folds an event in; for an event of the predicted type, returns every view as of its time first.</summary>
    public IReadOnlyList<ViewSnapshot>? Add(EntityEvent entityEvent)
    {
        Records++;
        var timeMs = entityEvent.Time.ToUnixTimeMilliseconds();
        MoveTo(timeMs);
        List<ViewSnapshot>? probes = null;
        if (entityEvent.Type == set.PredictedEventType)
        {
            probes = [];
            foreach (var view in set.Views)
                if (ViewInputs.EntityOf(view, entityEvent.Keys) is { } entity)
                    probes.Add(ViewSnapshot.AsOf(view, entity, Current(view, entity, timeMs), timeMs));
        }
        foreach (var view in set.Views)
            if (ViewInputs.Feeds(view, entityEvent) && ViewInputs.EntityOf(view, entityEvent.Keys) is { } entity && ViewInputs.ValueOf(view, entityEvent) is { } value)
                _atNewestTime.Add(new DeferredFold(view.Name, entity, value, timeMs));
        return probes;
    }

    public void Add(Label label)
    {
        Records++;
        var timeMs = label.Time.ToUnixTimeMilliseconds();
        MoveTo(timeMs);
        foreach (var view in set.Views)
            if (ViewInputs.EntityOf(view, label) is { } entity && ViewInputs.ValueOf(view, label) is { } value)
                _atNewestTime.Add(new DeferredFold(view.Name, entity, value, timeMs));
    }

    /// <summary>Folds in the records of earlier times once a later time arrives (or the history ends).</summary>
    private void MoveTo(long timeMs)
    {
        if (_atNewestTime.Count == 0 || _atNewestTime[0].TimeMs == timeMs) return;
        foreach (var deferred in _atNewestTime) Fold(set[deferred.View], deferred.Entity, deferred.Value, deferred.TimeMs);
        _atNewestTime.Clear();
    }

    /// <summary>What the online store holds for every (view, entity): its window holding the entity's newest time.</summary>
    public IEnumerable<OnlineValue> Latest()
    {
        MoveTo(long.MaxValue);
        foreach (var ((viewName, entity), tile) in _state)
        {
            var view = set[viewName];
            if (TileMerge.Current(view, [tile]) is { } window)
                yield return new OnlineValue(view, entity, window.StartMs, window.EndMs, window.Aggregate);
        }
    }

    /// <summary>
    /// Writes every (view, entity)'s tile to the online store as its only part (<see cref="OnlineKeys.BackfillPart"/>),
    /// replacing the streaming parts: for a store that has none yet (a new view, or after an upgrade).
    /// </summary>
    public async Task<long> MaterializeToAsync(IConnectionMultiplexer redis, int batchSize = 1_000)
    {
        MoveTo(long.MaxValue);
        var database = redis.GetDatabase();
        long written = 0;
        foreach (var chunk in _state.Chunk(batchSize))
        {
            var batch = database.CreateBatch();
            var writes = new List<Task>(chunk.Length * 3);
            foreach (var ((viewName, entity), tile) in chunk)
            {
                var key = OnlineKeys.For(viewName, entity);
                writes.Add(batch.KeyDeleteAsync(key));
                writes.Add(batch.HashSetAsync(key, OnlineKeys.BackfillPart, tile.Serialize()));
                writes.Add(batch.KeyExpireAsync(key, set[viewName].Ttl));
            }
            batch.Execute();
            await Task.WhenAll(writes);
            written += chunk.Length;
        }
        return written;
    }

    /// <summary>The tile of every (view, entity), for a checkpoint.</summary>
    public IReadOnlyList<ViewTile> ExportTiles() => _state.Select(s => new ViewTile(s.Key.View, s.Key.Entity, s.Value.Serialize())).ToList();

    /// <summary>The records of the newest time, not folded in yet, for a checkpoint.</summary>
    public IReadOnlyList<DeferredFold> ExportDeferred() => [.. _atNewestTime];

    /// <summary>Restores a checkpoint's tiles, deferred records and record count (into a fresh backfill).</summary>
    public void Import(IReadOnlyList<ViewTile> tiles, IReadOnlyList<DeferredFold> deferred, long records)
    {
        Records = records;
        _atNewestTime.AddRange(deferred);
        foreach (var saved in tiles) _state[(saved.View, saved.Entity)] = EntityTile.Deserialize(saved.Tile);
    }

    /// <summary>The view's window as of a time, before any record at that time.</summary>
    private FeatureAggregate? Current(FeatureView view, string entity, long timeMs) =>
        _state.TryGetValue((view.Name, entity), out var tile) ? TileMerge.Current(view, [tile], timeMs)?.Aggregate : null;

    private void Fold(FeatureView view, string entity, double value, long timeMs)
    {
        if (!_state.TryGetValue((view.Name, entity), out var tile)) _state[(view.Name, entity)] = tile = new EntityTile();
        tile.Add(view, value, timeMs, ingestMs: 0);
    }
}

/// <summary>A record's contribution to one view, waiting for time to move past it.</summary>
public sealed record DeferredFold(string View, string Entity, double Value, long TimeMs);

/// <summary>One (view, entity)'s current window, as the online store holds it.</summary>
public sealed record OnlineValue(FeatureView View, string Entity, long WindowStartMs, long WindowEndMs, FeatureAggregate Aggregate);
