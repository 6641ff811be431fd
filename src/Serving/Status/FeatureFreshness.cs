using System.Collections.Concurrent;
using Streaming.Drift.DataDrift;
using Streaming.FeatureStore.Training;

namespace Streaming.Serving.Status;

/// <summary>How fresh the online features of recent predictions were, per view (for the status page).</summary>
public sealed class FeatureFreshness
{
    private readonly ConcurrentDictionary<string, View> _views = new(StringComparer.Ordinal);

    public void Record(ViewSnapshot snapshot)
    {
        var view = _views.GetOrAdd(snapshot.View, _ => new View());
        view.Statuses.AddOrUpdate(snapshot.Status, 1, (_, n) => n + 1);
        if (!snapshot.IsDefault && snapshot.AgeMs is { } age) view.Ages.Add(age);
    }

    /// <summary>Per view: the share answered with stored values, and the median age of those values over the last 1,000.</summary>
    public IReadOnlyList<(string View, double FreshShare, double? MedianAgeMs, IReadOnlyDictionary<string, long> Statuses)> Summary() =>
        _views.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v =>
        {
            var statuses = v.Value.Statuses.ToDictionary();
            var total = statuses.Values.Sum();
            var ages = v.Value.Ages.Values.Order().ToArray();
            return (v.Key, total == 0 ? 0 : statuses.GetValueOrDefault(SnapshotStatus.Fresh) / (double)total,
                ages.Length == 0 ? (double?)null : ages[ages.Length / 2], (IReadOnlyDictionary<string, long>)statuses);
        }).ToList();

    private sealed class View
    {
        public readonly ConcurrentDictionary<string, long> Statuses = new(StringComparer.Ordinal);
        public readonly RecentWindow Ages = new(1_000);
    }
}
