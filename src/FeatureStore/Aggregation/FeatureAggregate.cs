using System.Buffers.Binary;
using Streaming.FeatureStore.Definitions;

namespace Streaming.FeatureStore.Aggregation;

/// <summary>
/// The running state of one window of one view for one entity: enough to answer every
/// <see cref="Definitions.Aggregation"/> (exactly; the distinct count approximately, from a sketch kept only for
/// views that ask for it). The streaming topology and the offline backfill both fold values into this type, so
/// the two can never compute a feature differently.
/// </summary>
public sealed class FeatureAggregate
{
    private const int SerializedSize = 8 * 9;

    private DistinctSketch? _distinct;

    /// <summary>An empty aggregate for a view: with a distinct-count sketch when the view computes one.</summary>
    public static FeatureAggregate For(FeatureView view) =>
        new() { _distinct = view.Aggregations.Contains(Definitions.Aggregation.DistinctCount) ? new DistinctSketch() : null };

    public long Count { get; private set; }
    public double Sum { get; private set; }
    public double SumOfSquares { get; private set; }
    public double Min { get; private set; } = double.PositiveInfinity;
    public double Max { get; private set; } = double.NegativeInfinity;
    public double Last { get; private set; }
    public long LastTimeMs { get; private set; } = long.MinValue;

    /// <summary>The newest event time folded in: the watermark of this value.</summary>
    public long MaxTimeMs { get; private set; } = long.MinValue;

    /// <summary>Wall-clock time the newest contribution entered Kafka: where freshness is measured from.</summary>
    public long NewestIngestMs { get; private set; } = long.MinValue;

    public FeatureAggregate Add(double value, long timeMs, long ingestMs)
    {
        Count++;
        Sum += value;
        SumOfSquares += value * value;
        Min = Math.Min(Min, value);
        Max = Math.Max(Max, value);
        if (timeMs >= LastTimeMs)
        {
            Last = value;
            LastTimeMs = timeMs;
        }
        MaxTimeMs = Math.Max(MaxTimeMs, timeMs);
        NewestIngestMs = Math.Max(NewestIngestMs, ingestMs);
        _distinct?.Add(value);
        return this;
    }

    /// <summary>
    /// Folds in another aggregate of the same view, as if its values had been added here: a hopping window is the
    /// merge of the panes it spans. Sums are added, so for values that are not small integers the last bits of a
    /// mean can differ from adding the values one by one.
    /// </summary>
    public FeatureAggregate Merge(FeatureAggregate other)
    {
        Count += other.Count;
        Sum += other.Sum;
        SumOfSquares += other.SumOfSquares;
        Min = Math.Min(Min, other.Min);
        Max = Math.Max(Max, other.Max);
        if (other.Count > 0 && other.LastTimeMs >= LastTimeMs)
        {
            Last = other.Last;
            LastTimeMs = other.LastTimeMs;
        }
        MaxTimeMs = Math.Max(MaxTimeMs, other.MaxTimeMs);
        NewestIngestMs = Math.Max(NewestIngestMs, other.NewestIngestMs);
        if (other._distinct is not null) _distinct?.Merge(other._distinct);
        return this;
    }

    /// <summary>The feature's value; null when there is nothing to compute it from (no values: only count is defined).</summary>
    public double? Value(Definitions.Aggregation aggregation) => aggregation switch
    {
        Definitions.Aggregation.Count => Count,
        _ when Count == 0 => null,
        Definitions.Aggregation.Sum => Sum,
        Definitions.Aggregation.Mean => Sum / Count,
        Definitions.Aggregation.Min => Min,
        Definitions.Aggregation.Max => Max,
        Definitions.Aggregation.Last => Last,
        Definitions.Aggregation.StdDev => StandardDeviation(Count, Sum, SumOfSquares),
        Definitions.Aggregation.DistinctCount => _distinct?.Estimate(),
        _ => throw new ArgumentOutOfRangeException(nameof(aggregation), aggregation, "Not an aggregation."),
    };

    /// <summary>Sample standard deviation from the sums; 0 below two values; rounding never makes it NaN.</summary>
    public static double StandardDeviation(long count, double sum, double sumOfSquares) =>
        count < 2 ? 0 : Math.Sqrt(Math.Max(0, (sumOfSquares - sum * sum / count) / (count - 1)));

    public byte[] Serialize()
    {
        var bytes = new byte[SerializedSize + (_distinct is null ? 0 : DistinctSketch.Registers)];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt64LittleEndian(span, Count);
        BinaryPrimitives.WriteDoubleLittleEndian(span[8..], Sum);
        BinaryPrimitives.WriteDoubleLittleEndian(span[16..], SumOfSquares);
        BinaryPrimitives.WriteDoubleLittleEndian(span[24..], Min);
        BinaryPrimitives.WriteDoubleLittleEndian(span[32..], Max);
        BinaryPrimitives.WriteDoubleLittleEndian(span[40..], Last);
        BinaryPrimitives.WriteInt64LittleEndian(span[48..], LastTimeMs);
        BinaryPrimitives.WriteInt64LittleEndian(span[56..], MaxTimeMs);
        BinaryPrimitives.WriteInt64LittleEndian(span[64..], NewestIngestMs);
        _distinct?.WriteTo(span[SerializedSize..]);
        return bytes;
    }

    public static FeatureAggregate Deserialize(ReadOnlySpan<byte> span)
    {
        if (span.Length != SerializedSize && span.Length != SerializedSize + DistinctSketch.Registers)
            throw new FormatException($"A feature aggregate is {SerializedSize} bytes ({SerializedSize + DistinctSketch.Registers} with a distinct-count sketch), not {span.Length}.");
        return new FeatureAggregate
        {
            Count = BinaryPrimitives.ReadInt64LittleEndian(span),
            Sum = BinaryPrimitives.ReadDoubleLittleEndian(span[8..]),
            SumOfSquares = BinaryPrimitives.ReadDoubleLittleEndian(span[16..]),
            Min = BinaryPrimitives.ReadDoubleLittleEndian(span[24..]),
            Max = BinaryPrimitives.ReadDoubleLittleEndian(span[32..]),
            Last = BinaryPrimitives.ReadDoubleLittleEndian(span[40..]),
            LastTimeMs = BinaryPrimitives.ReadInt64LittleEndian(span[48..]),
            MaxTimeMs = BinaryPrimitives.ReadInt64LittleEndian(span[56..]),
            NewestIngestMs = BinaryPrimitives.ReadInt64LittleEndian(span[64..]),
            _distinct = span.Length > SerializedSize ? DistinctSketch.ReadFrom(span[SerializedSize..]) : null,
        };
    }
}
