using MathNet.Numerics.Statistics;

namespace Streaming.Drift.DataDrift;

/// <summary>
/// A feature's distribution summarized as a histogram: bin edges at the deciles of a sample of the data a
/// model learned from (so each reference bin holds about a tenth of it; ties merge bins) and the reference's
/// count per bin. Bin j holds values in (Edges[j-1], Edges[j]]; the first is open below, the last above.
/// Stored with a model snapshot, it is what recent data is compared with.
/// </summary>
public sealed record FeatureProfile(string Feature, double[] Edges, long[] Counts)
{
    public const int Deciles = 10;

    public long Total => Counts.Sum();

    /// <summary>The profile of a sample (e.g. a reservoir of the training data).</summary>
    public static FeatureProfile FromSample(string feature, IReadOnlyCollection<double> sample)
    {
        var sorted = sample.Order().ToArray();
        var edges = sorted.Length == 0
            ? []
            : Enumerable.Range(1, Deciles - 1)
                .Select(d => SortedArrayStatistics.QuantileCustom(sorted, d / (double)Deciles, QuantileDefinition.R7))
                .Distinct().ToArray();
        return new FeatureProfile(feature, edges, BinCounts(edges, sorted));
    }

    /// <summary>How many of <paramref name="values"/> fall in each of this profile's bins.</summary>
    public long[] Bin(IEnumerable<double> values) => BinCounts(Edges, values);

    private static long[] BinCounts(double[] edges, IEnumerable<double> values)
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
