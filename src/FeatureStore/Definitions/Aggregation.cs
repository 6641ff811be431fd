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
        _ => "stddev",
    };
}
