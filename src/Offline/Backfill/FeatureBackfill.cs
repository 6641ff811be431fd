using Streaming.Contracts;
using Streaming.FeatureStore.Aggregation;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;
using Streaming.FeatureStore.Training;

namespace Streaming.Offline.Backfill;

/// <summary>
/// The feature views recomputed from history, fed in event-time order, with the streaming pipeline's own
/// definitions (<see cref="ViewInputs"/>, <see cref="WindowSpec"/>) and aggregation code (<see cref="FeatureAggregate"/>):
/// there is no second implementation of any aggregation. An event of the predicted type is probed (every view as of
/// its time: what the label join does) and folded in; a label is folded in at its own time. As in the streaming probe,
/// a probe sees exactly the records before its time: records are folded in only once time has moved past theirs, so
/// none at the same time counts, whichever order equal times came in. Windows that can no longer be current are
/// dropped as time moves on, so memory follows the number of entities, not the length of history.
/// </summary>
public sealed class FeatureBackfill(FeatureSet set)
{
    private readonly Dictionary<(string View, string Entity), Windows> _state = [];
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
        foreach (var ((viewName, entity), windows) in _state)
        {
            var view = set[viewName];
            var start = view.Window.CurrentWindowStart(windows.NewestMs);
            if (windows.ByStart.TryGetValue(start, out var aggregate))
                yield return new OnlineValue(view, entity, start, start + view.Window.SizeMs, aggregate);
        }
    }

    /// <summary>Writes every entity's current window to an online store sink (the Redis writer: same layout, same conditional write).</summary>
    public long MaterializeTo(IOnlineFeatureSink sink)
    {
        long written = 0;
        foreach (var value in Latest())
        {
            sink.Write(value.View, value.Entity, value.WindowStartMs, value.WindowEndMs, value.Aggregate);
            written++;
        }
        return written;
    }

    /// <summary>The open windows of every (view, entity), for a checkpoint.</summary>
    public IReadOnlyList<ViewWindows> ExportWindows() =>
        _state.Select(s => new ViewWindows(s.Key.View, s.Key.Entity, s.Value.NewestMs, [.. s.Value.ByStart.Keys],
            [.. s.Value.ByStart.Values.Select(a => a.Serialize())])).ToList();

    /// <summary>The records of the newest time, not folded in yet, for a checkpoint.</summary>
    public IReadOnlyList<DeferredFold> ExportDeferred() => [.. _atNewestTime];

    /// <summary>Restores a checkpoint's windows, deferred records and record count (into a fresh backfill).</summary>
    public void Import(IReadOnlyList<ViewWindows> windows, IReadOnlyList<DeferredFold> deferred, long records)
    {
        Records = records;
        _atNewestTime.AddRange(deferred);
        foreach (var saved in windows)
        {
            var restored = new Windows { NewestMs = saved.NewestMs };
            for (var i = 0; i < saved.Starts.Count; i++) restored.ByStart[saved.Starts[i]] = FeatureAggregate.Deserialize(saved.Aggregates[i]);
            _state[(saved.View, saved.Entity)] = restored;
        }
    }

    private FeatureAggregate? Current(FeatureView view, string entity, long timeMs) =>
        _state.TryGetValue((view.Name, entity), out var windows) && windows.ByStart.TryGetValue(view.Window.CurrentWindowStart(timeMs), out var aggregate)
            ? aggregate
            : null;

    private void Fold(FeatureView view, string entity, double value, long timeMs)
    {
        if (!_state.TryGetValue((view.Name, entity), out var windows)) _state[(view.Name, entity)] = windows = new Windows();
        var window = view.Window;
        foreach (var start in window.StartsHolding(timeMs))
        {
            if (!windows.ByStart.TryGetValue(start, out var aggregate)) windows.ByStart[start] = aggregate = FeatureAggregate.For(view);
            aggregate.Add(value, timeMs, ingestMs: 0);
        }
        windows.NewestMs = Math.Max(windows.NewestMs, timeMs);
        // Windows ending at or before the newest time can never be current again (input comes in time order).
        while (windows.ByStart.Count > 0 && windows.ByStart.Keys[0] + window.SizeMs <= windows.NewestMs) windows.ByStart.RemoveAt(0);
    }

    private sealed class Windows
    {
        public readonly SortedList<long, FeatureAggregate> ByStart = [];
        public long NewestMs = long.MinValue;
    }
}

/// <summary>A record's contribution to one view, waiting for time to move past it.</summary>
public sealed record DeferredFold(string View, string Entity, double Value, long TimeMs);

/// <summary>One (view, entity)'s current window, as the online store holds it.</summary>
public sealed record OnlineValue(FeatureView View, string Entity, long WindowStartMs, long WindowEndMs, FeatureAggregate Aggregate);
