namespace Streaming.DataParallel;

/// <summary>
/// What one partition's slice of a round taught a copy of the round's version: the sparse weight delta, and each
/// learned example's progressive observation (prediction made before it was learned, target, loss) in offset order.
/// </summary>
/// <param name="End">The offset after the slice: where the partition's next slice starts.</param>
/// <param name="Skipped">Records in the slice that were not learned (unreadable or refused by the validator; dead-lettered).</param>
public sealed record PartitionUpdate(int Partition, long Start, long End, long Skipped, long? WatermarkMs,
    int[] Slots, float[] Deltas, double[] Observations)
{
    /// <summary>Examples learned: each has three observations.</summary>
    public long Learned => Observations.Length / 3;
}

/// <summary>A partition's entry in a round's report hash: which attempt's deltas count and what the slice covered.</summary>
internal sealed record PartitionReport(string Attempt, long Start, long End, long Learned, long Skipped, long? WatermarkMs);
