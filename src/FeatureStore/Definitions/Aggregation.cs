namespace Streaming.FeatureStore.Definitions;

/// <summary>What a feature view computes over the values in a window. The lowercase name is the feature's name.</summary>
public enum Aggregation
{
    Count,
    Sum,
    Mean,
    Min,
    Max,
    /// <summary>The value with the latest time (of equal times, the one processed last).</summary>
    Last,
    /// <summary>Sample standard deviation (n − 1); 0 for fewer than two values.</summary>
    StdDev,
    /// <summary>
    /// Approximate number of distinct values: of the view's <see cref="FeatureView.DistinctOf"/> when it names one
    /// (e.g. destinations served from an origin), else of the aggregated values. A HyperLogLog sketch of 256
    /// registers: a relative standard error of about 6.5 % (about 5 % for sets of a few dozen to a few hundred).
    /// </summary>
    DistinctCount,
}

public static class AggregationNames
{
    public static string Name(this Aggregation aggregation) => aggregation switch
    {
        Aggregation.Count => "count",
        Aggregation.Sum => "sum",
        Aggregation.Mean => "mean",
        Aggregation.Min => "min",
        Aggregation.Max => "max",
        Aggregation.Last => "last",
        Aggregation.StdDev => "stddev",
        Aggregation.DistinctCount => "distinct",
        _ => throw new ArgumentOutOfRangeException(nameof(aggregation), aggregation, "Not an aggregation."),
    };
}
