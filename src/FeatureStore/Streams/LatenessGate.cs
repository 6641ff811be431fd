using System.Collections.Concurrent;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// Decides which records are too late for a view: older than its grace behind the newest time seen on
/// the same partition (the rule Streamiz's windowed aggregation applies, tracked the same way). Records
/// it admits are never dropped by the windows after it; records it refuses are dead-lettered and counted.
/// </summary>
/// <remarks>
/// Like Streamiz's own stream time, this restarts from nothing with the process; the windows after it
/// do too, so the two never disagree.
/// </remarks>
public sealed class LatenessGate(TimeSpan grace)
{
    private readonly long _graceMs = (long)grace.TotalMilliseconds;
    private readonly ConcurrentDictionary<int, long> _streamTime = new();

    public bool IsLate(int partition, long timeMs)
    {
        var streamTime = _streamTime.AddOrUpdate(partition, timeMs, (_, seen) => Math.Max(seen, timeMs));
        return timeMs < streamTime - _graceMs;
    }
}
