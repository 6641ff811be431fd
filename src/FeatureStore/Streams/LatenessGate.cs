using System.Collections.Concurrent;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// Decides whether a record is later than a grace behind the newest time seen on the same partition.
/// Used twice per view: on the source partitions, where order is the producers' and lateness is theirs
/// (the view's grace); and after the repartition, where partitions processed at different paces interleave
/// (the grace plus the skew allowance, the rule Streamiz's windows apply, tracked the same way), so that
/// whatever the windows would drop is dead-lettered instead.
/// </summary>
/// <remarks>
/// Like Streamiz's own stream time, this restarts from nothing with the process; the windows after it
/// do too, so the two never disagree.
/// </remarks>
public sealed class LatenessGate(TimeSpan grace)
{
    private readonly long _graceMs = (long)grace.TotalMilliseconds;
    private readonly ConcurrentDictionary<(string Topic, int Partition), long> _streamTime = new();

    public bool IsLate(string topic, int partition, long timeMs)
    {
        var streamTime = _streamTime.AddOrUpdate((topic, partition), timeMs, (_, seen) => Math.Max(seen, timeMs));
        return timeMs < streamTime - _graceMs;
    }

    /// <summary>The earliest time a record of this partition can still have without being late; null before its first record.</summary>
    public long? Watermark(string topic, int partition) =>
        _streamTime.TryGetValue((topic, partition), out var streamTime) ? streamTime - _graceMs : null;
}
