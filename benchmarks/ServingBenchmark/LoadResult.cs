using System.Globalization;

namespace Streaming.Benchmarks.Serving;

/// <summary>What one load run measured: throughput and latency percentiles in microseconds.</summary>
public sealed record LoadResult(double Qps, double P50, double P99, double P999, long Requests, long Errors, IReadOnlyDictionary<string, long> ErrorSamples)
{
    public string Summary() => string.Create(CultureInfo.InvariantCulture, $"p50 {P50,7:F0} µs  p99 {P99,7:F0} µs  p99.9 {P999,7:F0} µs");
}

/// <summary>A closed-loop load generator: each connection sends its next request when it has the answer.</summary>
public interface ILoad
{
    string Name { get; }

    Task<LoadResult> RunAsync(int connections, TimeSpan duration);
}
