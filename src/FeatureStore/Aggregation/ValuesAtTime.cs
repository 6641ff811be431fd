using System.Buffers.Binary;

namespace Streaming.FeatureStore.Aggregation;

/// <summary>
/// The values one entity's view received at one exact event time, in arrival order: a probe folds these, time by
/// time, into the aggregate of everything before its own time (<see cref="FoldBefore"/>).
/// </summary>
public sealed class ValuesAtTime
{
    private const int EntrySize = 16;
    private readonly List<(double Value, long IngestMs)> _values;

    public ValuesAtTime() => _values = [];

    private ValuesAtTime(List<(double Value, long IngestMs)> values) => _values = values;

    public int Count => _values.Count;

    public ValuesAtTime With(double value, long ingestMs)
    {
        _values.Add((value, ingestMs));
        return this;
    }

    /// <summary>Folds values stored by time, oldest first, into a fresh aggregate of the view (the same fold the windows make).</summary>
    public static FeatureAggregate FoldBefore(Definitions.FeatureView view, IEnumerable<(long TimeMs, ValuesAtTime Values)> byTime)
    {
        var aggregate = FeatureAggregate.For(view);
        foreach (var (timeMs, values) in byTime)
            foreach (var (value, ingestMs) in values._values)
                aggregate.Add(value, timeMs, ingestMs);
        return aggregate;
    }

    public byte[] Serialize()
    {
        var bytes = new byte[_values.Count * EntrySize];
        for (var i = 0; i < _values.Count; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * EntrySize), _values[i].Value);
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * EntrySize + 8), _values[i].IngestMs);
        }
        return bytes;
    }

    public static ValuesAtTime Deserialize(ReadOnlySpan<byte> span)
    {
        if (span.Length % EntrySize != 0) throw new FormatException($"Values at a time take {EntrySize} bytes each, not {span.Length} in all.");
        var values = new List<(double, long)>(span.Length / EntrySize);
        for (var offset = 0; offset < span.Length; offset += EntrySize)
            values.Add((BinaryPrimitives.ReadDoubleLittleEndian(span[offset..]), BinaryPrimitives.ReadInt64LittleEndian(span[(offset + 8)..])));
        return new ValuesAtTime(values);
    }
}
