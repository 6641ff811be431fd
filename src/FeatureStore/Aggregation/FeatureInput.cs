using System.Buffers.Binary;
using System.Text;

namespace Streaming.FeatureStore.Aggregation;

/// <summary>
/// One record's contribution to one view, keyed by the view's entity: a value at an event time, or a
/// probe (an event asking for the view's value as of its time, for the label join).
/// </summary>
/// <param name="IsProbe">True: read the value as of <paramref name="TimeMs"/>, add nothing.</param>
/// <param name="Value">The aggregated value (1 for count-only views).</param>
/// <param name="TimeMs">Event time, Unix milliseconds.</param>
/// <param name="IngestMs">When the source record entered Kafka, Unix milliseconds.</param>
/// <param name="RecordId">The source event's or label's id (for probes: the event whose features these are).</param>
public sealed record FeatureInput(bool IsProbe, double Value, long TimeMs, long IngestMs, string RecordId)
{
    public byte[] Serialize()
    {
        var id = Encoding.UTF8.GetBytes(RecordId);
        var bytes = new byte[25 + id.Length];
        bytes[0] = IsProbe ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(1), Value);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(9), TimeMs);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(17), IngestMs);
        id.CopyTo(bytes, 25);
        return bytes;
    }

    public static FeatureInput Deserialize(ReadOnlySpan<byte> span)
    {
        if (span.Length < 25) throw new FormatException($"A feature input is at least 25 bytes, not {span.Length}.");
        return new FeatureInput(
            span[0] == 1,
            BinaryPrimitives.ReadDoubleLittleEndian(span[1..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[9..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[17..]),
            Encoding.UTF8.GetString(span[25..]));
    }
}
