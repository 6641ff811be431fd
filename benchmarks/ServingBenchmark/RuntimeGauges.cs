using System.Globalization;

namespace Streaming.Benchmarks.Serving;

/// <summary>
/// The serving node's runtime as its /metrics shows it (prometheus-net's process and .NET collectors, and the host's
/// pause metrics): threads, and garbage collections, their pauses, JIT time and CPU since the previous read, so that a
/// warm-up or a swap phase shows what the runtime took.
/// </summary>
internal sealed class RuntimeGauges(HttpClient http)
{
    private Dictionary<string, double> _previous = [];

    public async Task<string> ReadAsync()
    {
        var lines = (await http.GetStringAsync("/metrics")).Split('\n');
        double Sum(string prefix) => lines.Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).Sum(ServerHistogram.SampleValue);
        var now = new Dictionary<string, double>
        {
            ["threads"] = Sum("process_num_threads "),
            ["gen0"] = Sum("dotnet_collection_count_total{generation=\"0\"}"),
            ["gen1"] = Sum("dotnet_collection_count_total{generation=\"1\"}"),
            ["gen2"] = Sum("dotnet_collection_count_total{generation=\"2\"}"),
            ["cpu"] = Sum("process_cpu_seconds_total "),
            ["gcPause"] = Sum("dotnet_gc_pause_seconds_total "),
            ["jit"] = Sum("dotnet_jit_compilation_seconds_total "),
        };
        double Delta(string name) => now[name] - _previous.GetValueOrDefault(name);
        var text = string.Create(CultureInfo.InvariantCulture,
            $"threads {now["threads"]:F0}  GCs +{Delta("gen0"):F0}/+{Delta("gen1"):F0}/+{Delta("gen2"):F0}  GC pauses +{Delta("gcPause") * 1000:F0} ms  JIT +{Delta("jit") * 1000:F0} ms  CPU +{Delta("cpu"):F1} s");
        _previous = now;
        return text;
    }
}
