using System.Buffers.Binary;
using System.Text;

namespace Streaming.FeatureStore.Aggregation;

/// <summary>What a <see cref="FeatureInput"/> asks of its view.</summary>
public enum FeatureInputKind : byte
{
    /// <summary>Fold the value into the windows holding its time.</summary>
    Update = 0,
    /// <summary>Read the view's value as of the time, add nothing (an event's point-in-time features).</summary>
    Probe = 1,
    /// <summary>An update later than the view's grace on its source partition: to be dead-lettered.</summary>
    Late = 2,
    /// <summary>
    /// A source partition's promise: no update from it later on the view's stream will be earlier than the time
    /// (its newest time less the grace; earlier ones are late). Probes wait for these (see <c>ProbeReader</c>).
    /// </summary>
    Watermark = 3,
}

/// <summary>
/// One record's contribution to one view, keyed by the view's entity: a value at an event time, or a
/// probe (an event asking for the view's value as of its time, for the label join).
/// </summary>
/// <param name="Kind">Update, probe or late update.</param>
/// <param name="Value">The aggregated value (1 for count-only views).</param>
/// <param name="TimeMs">Event time, Unix milliseconds.</param>
/// <param name="IngestMs">When the source record entered Kafka, Unix milliseconds.</param>
/// <param name="RecordId">The source event's or label's id (for probes: the event whose features these are; for watermarks: the source partition).</param>
public sealed record FeatureInput(FeatureInputKind Kind, double Value, long TimeMs, long IngestMs, string RecordId)
{
    public byte[] Serialize()
    {
        var id = Encoding.UTF8.GetBytes(RecordId);
        var bytes = new byte[25 + id.Length];
        bytes[0] = (byte)Kind;
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
            (FeatureInputKind)span[0],
            BinaryPrimitives.ReadDoubleLittleEndian(span[1..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[9..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[17..]),
            Encoding.UTF8.GetString(span[25..]));
    }
}
