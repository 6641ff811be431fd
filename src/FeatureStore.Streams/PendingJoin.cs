using System.Buffers.Binary;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// What the prediction–label join holds for one prediction id: the logged prediction and the label as they were
/// read (raw JSON, so that the example carries the prediction's features byte for byte), and whether the two
/// have met. A met pair is kept until the horizon, so that a label read again after a restart finds its
/// prediction and joins again (the learner drops the repeat by label id) instead of waiting in vain.
/// </summary>
/// <param name="FirstSeenMs">Event time of the first of the two to arrive: what expiry is measured from.</param>
internal sealed record PendingJoin(long FirstSeenMs, byte[]? Prediction, byte[]? Label, bool Joined)
{
    public byte[] Serialize()
    {
        var bytes = new byte[8 + 1 + 4 + (Prediction?.Length ?? 0) + 4 + (Label?.Length ?? 0)];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt64LittleEndian(span, FirstSeenMs);
        span[8] = Joined ? (byte)1 : (byte)0;
        var at = Write(span, 9, Prediction);
        Write(span, at, Label);
        return bytes;
    }

    private static int Write(Span<byte> span, int at, byte[]? value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], value?.Length ?? -1);
        value?.CopyTo(span[(at + 4)..]);
        return at + 4 + (value?.Length ?? 0);
    }

    public static PendingJoin Deserialize(ReadOnlySpan<byte> span)
    {
        if (span.Length < 17) throw new FormatException($"A pending join is at least 17 bytes, not {span.Length}.");
        var at = 9;
        var prediction = Read(span, ref at);
        var label = Read(span, ref at);
        return new PendingJoin(BinaryPrimitives.ReadInt64LittleEndian(span), prediction, label, span[8] == 1);
    }

    private static byte[]? Read(ReadOnlySpan<byte> span, ref int at)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
        at += 4;
        if (length < 0) return null;
        if (span.Length < at + length) throw new FormatException("A pending join ends inside a record.");
        var value = span.Slice(at, length).ToArray();
        at += length;
        return value;
    }
}
