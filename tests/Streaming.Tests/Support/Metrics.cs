using System.Globalization;

namespace Streaming.Tests.Support;

/// <summary>Sums a Prometheus counter's samples in a text exposition, optionally filtered by a label.</summary>
public static partial class MetricsText
{
    public static double Sum(string exposition, string metric, string? labelFilter = null) =>
        exposition.Split('\n')
            .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(line => labelFilter is null || line.Contains(labelFilter, StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
