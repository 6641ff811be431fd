using Streaming.FeatureStore.Aggregation;
using Streaming.FeatureStore.Definitions;

namespace Streaming.FeatureStore.Training;

/// <summary>Whether a view's values are what was computed, or defaults standing in for them.</summary>
public static class SnapshotStatus
{
    /// <summary>Computed from values in the window, within the view's TTL.</summary>
    public const string Fresh = "fresh";
    /// <summary>No values in the window (or no hash in Redis): defaults.</summary>
    public const string Missing = "missing";
    /// <summary>The newest contribution is older than the TTL: defaults.</summary>
    public const string Stale = "stale";
    /// <summary>The window already holds records later than the time asked for (they arrived out of order): defaults, so nothing from the future leaks in.</summary>
    public const string Unavailable = "unavailable";
    /// <summary>An aggregate overflowed (e.g. a sum of huge values): defaults, so no infinity or NaN reaches a model or a JSON answer.</summary>
    public const string NonFinite = "non_finite";
    /// <summary>The online store could not be reached: defaults, so serving still answers.</summary>
    public const string StoreUnavailable = "store_unavailable";
}

/// <summary>One view's feature values for one entity as of one time, with whether they are defaults.</summary>
/// <param name="AgeMs">As-of time minus the newest contribution's event time; null when there was none.</param>
public sealed record ViewSnapshot(string View, string Entity, IReadOnlyDictionary<string, double> Values, string Status, long? AgeMs)
{
    public bool IsDefault => Status != SnapshotStatus.Fresh;

    /// <summary>
    /// The view's values as of <paramref name="asOfMs"/> from the aggregate of the window current then
    /// (the label join reads it from the window store).
    /// </summary>
    public static ViewSnapshot AsOf(FeatureView view, string entity, FeatureAggregate? aggregate, long asOfMs) =>
        aggregate is null || aggregate.Count == 0
            ? Defaults(view, entity, SnapshotStatus.Missing, null)
            : Resolve(view, entity, aggregate.MaxTimeMs, asOfMs, aggregate.Value);

    /// <summary>
    /// The one rule for whether stored values are valid as of a time, used by the label join and the online
    /// reader alike, so training sees what serving would have: a value whose newest contribution is later than
    /// the time asked for, or older than the view's TTL, is replaced by defaults and flagged.
    /// </summary>
    /// <param name="futureToleranceMs">
    /// How far the newest contribution may lie after <paramref name="asOfMs"/> and still count: 0 for the label join
    /// (nothing after the event); serving allows producers' clocks to run a little ahead of its own.
    /// </param>
    public static ViewSnapshot Resolve(FeatureView view, string entity, long watermarkMs, long asOfMs, Func<Definitions.Aggregation, double?> value, long futureToleranceMs = 0)
    {
        var age = asOfMs - watermarkMs;
        if (age < -futureToleranceMs) return Defaults(view, entity, SnapshotStatus.Unavailable, age);
        if (age > (long)view.Ttl.TotalMilliseconds) return Defaults(view, entity, SnapshotStatus.Stale, age);
        var values = new Dictionary<string, double>(view.Aggregations.Count);
        foreach (var aggregation in view.Aggregations)
        {
            var computed = value(aggregation) ?? view.DefaultFor(aggregation);
            if (!double.IsFinite(computed)) return Defaults(view, entity, SnapshotStatus.NonFinite, age);
            values[aggregation.Name()] = computed;
        }
        return new ViewSnapshot(view.Name, entity, values, SnapshotStatus.Fresh, age);
    }

    public static ViewSnapshot Defaults(FeatureView view, string entity, string status, long? ageMs) =>
        new(view.Name, entity, view.Aggregations.ToDictionary(a => a.Name(), view.DefaultFor), status, ageMs);
}
