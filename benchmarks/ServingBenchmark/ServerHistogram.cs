using System.Globalization;

namespace Streaming.Benchmarks.Serving;

/// <summary>
/// The server's own latency histogram (streaming_serving_request_seconds, from request start to response
/// object, before Kestrel writes it): read before and after a phase, so the difference is that phase's.
/// Percentiles are bucket upper bounds.
/// </summary>
public sealed class ServerHistogram(HttpClient http)
{
    public async Task<SortedDictionary<double, double>> ReadAsync(string endpoint)
    {
        var text = await http.GetStringAsync("/metrics");
        var buckets = new SortedDictionary<double, double>();
        var prefix = $"streaming_serving_request_seconds_bucket{{endpoint=\"{endpoint}\",le=\"";
        foreach (var line in text.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var bound = line[prefix.Length..line.IndexOf('"', prefix.Length)];
            buckets[bound == "+Inf" ? double.PositiveInfinity : double.Parse(bound, CultureInfo.InvariantCulture)] = SampleValue(line);
        }
        return buckets;
    }

    /// <summary>Rows predicted and model calls made so far (streaming_serving_rows_per_call's sum and count).</summary>
    public async Task<(double Sum, double Count)> ReadRowsPerCallAsync()
    {
        var lines = (await http.GetStringAsync("/metrics")).Split('\n');
        double Value(string name) => lines.Where(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Select(SampleValue).SingleOrDefault();
        return (Value("streaming_serving_rows_per_call_sum"), Value("streaming_serving_rows_per_call_count"));
    }

    /// <summary>The smallest bucket bound (µs) under which <paramref name="p"/> % of the phase's requests finished.</summary>
    public static double PercentileMicros(SortedDictionary<double, double> before, SortedDictionary<double, double> after, double p)
    {
        var total = after.Values.LastOrDefault() - before.Values.LastOrDefault();
        foreach (var (bound, cumulative) in after)
            if (cumulative - before.GetValueOrDefault(bound) >= p / 100 * total) return bound * 1e6;
        return double.NaN;
    }

    /// <summary>The number a Prometheus text-format sample line ends with.</summary>
    internal static double SampleValue(string line) => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
}
