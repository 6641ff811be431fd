using MathNet.Numerics.Statistics;
using Streaming.Contracts;

namespace Streaming.Drift.DataDrift;

/// <summary>
/// Builds and applies <see cref="FeatureHistogram"/> references: bin edges at the deciles of a sample of the data a
/// model learned from (so each bin holds about a tenth of it; ties merge bins), and the sample's count per bin.
/// </summary>
internal static class FeatureProfile
{
    public const int Deciles = 10;

    /// <summary>The histogram of a sample (e.g. a reservoir of the training data).</summary>
    public static FeatureHistogram FromSample(IReadOnlyCollection<double> sample)
    {
        var sorted = sample.Order().ToArray();
        var edges = sorted.Length == 0
            ? []
            : Enumerable.Range(1, Deciles - 1)
                .Select(d => SortedArrayStatistics.QuantileCustom(sorted, d / (double)Deciles, QuantileDefinition.R7))
                .Distinct().ToArray();
        return new FeatureHistogram(edges, Bin(edges, sorted));
    }

    /// <summary>How many of <paramref name="values"/> fall in each of the histogram's bins.</summary>
    public static long[] Bin(this FeatureHistogram histogram, IEnumerable<double> values) => Bin(histogram.Edges, values);

    public static long Total(this FeatureHistogram histogram) => histogram.Counts.Sum();

    private static long[] Bin(double[] edges, IEnumerable<double> values)
    {
        var counts = new long[edges.Length + 1];
        foreach (var value in values)
        {
            var index = Array.BinarySearch(edges, value);
            counts[index >= 0 ? index : ~index]++;
        }
        return counts;
    }
}
