using System.Diagnostics;

namespace Streaming.Benchmarks.Serving;

/// <summary>Latency samples (Stopwatch ticks) and their percentiles in microseconds.</summary>
public sealed class Latencies
{
    private readonly List<long> _ticks = [];

    public int Count => _ticks.Count;

    public void Add(long ticks) => _ticks.Add(ticks);

    public void AddRange(Latencies other) => _ticks.AddRange(other._ticks);

    public double PercentileMicros(double p)
    {
        if (_ticks.Count == 0) return double.NaN;
        _ticks.Sort();
        var index = (int)Math.Min(_ticks.Count - 1, Math.Ceiling(p / 100 * _ticks.Count) - 1);
        return _ticks[Math.Max(0, index)] * 1e6 / Stopwatch.Frequency;
    }

    public string Summary() => $"p50 {PercentileMicros(50),7:F0} µs  p99 {PercentileMicros(99),7:F0} µs  p99.9 {PercentileMicros(99.9),7:F0} µs";
}
