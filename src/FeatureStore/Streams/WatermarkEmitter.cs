using System.Collections.Concurrent;
using System.Diagnostics;
using Streaming.FeatureStore.Aggregation;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// The source side of <see cref="WatermarkSettings"/>: after a source record of one view, sends that partition's
/// watermark (what the view's source <see cref="LatenessGate"/> lets through, so the promise holds exactly) to every
/// repartition partition when it has moved on by <see cref="WatermarkSettings.Every"/> of event time, or at all after
/// a second of wall time (so a slow live stream still moves its probes along).
/// </summary>
public sealed class WatermarkEmitter(LatenessGate gate, WatermarkSettings settings, int partitions)
{
    private static readonly long WallIntervalTicks = Stopwatch.Frequency;
    private readonly long _everyMs = (long)settings.Every.TotalMilliseconds;
    private readonly ConcurrentDictionary<(string Topic, int Partition), SourceState> _sources = new();

    public IEnumerable<KeyValuePair<string, FeatureInput>> After(string topic, int partition)
    {
        if (gate.Watermark(topic, partition) is not { } mark) yield break;
        var state = _sources.GetOrAdd((topic, partition), _ => new SourceState());
        if (mark <= state.SentMs) yield break;
        var now = Stopwatch.GetTimestamp();
        if (state.SentMs != long.MinValue && mark - state.SentMs < _everyMs && now - state.SentAt < WallIntervalTicks) yield break;
        (state.SentMs, state.SentAt) = (mark, now);
        var source = WatermarkKeys.Source(topic, partition);
        for (var target = 0; target < partitions; target++)
            yield return KeyValuePair.Create(WatermarkKeys.For(target), new FeatureInput(FeatureInputKind.Watermark, 0, mark, 0, source));
    }

    private sealed class SourceState
    {
        public long SentMs = long.MinValue;
        public long SentAt;
    }
}
