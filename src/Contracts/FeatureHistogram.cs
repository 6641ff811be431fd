namespace Streaming.Contracts;

/// <summary>
/// A feature's distribution as a histogram, stored with a model snapshot as the reference that data drift is
/// measured against: bin j holds values in (Edges[j-1], Edges[j]] (the first open below, the last above) and
/// <see cref="Counts"/>[j] of the values the model learned from fell in it.
/// </summary>
public sealed record FeatureHistogram(double[] Edges, long[] Counts);
