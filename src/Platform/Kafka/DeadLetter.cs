using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Streaming.Contracts;

namespace Streaming.Platform.Kafka;

/// <summary>The headers of a dead-letter record (<see cref="DeadLetterHeaders"/>), built the same way by every part.</summary>
public static class DeadLetter
{
    /// <summary>
    /// Kafka refuses messages over its size limit (1 MB by default), so an oversized record is kept as
    /// its first <see cref="MaxValueBytes"/> bytes, with its original length in a header.
    /// </summary>
    public const int MaxValueBytes = 512 * 1024;

    /// <summary>The value to dead-letter: a tombstone (null) as an empty value, its reason says what it was.</summary>
    public static byte[] Value(byte[]? original) => original is null ? [] : original.Length <= MaxValueBytes ? original : original[..MaxValueBytes];

    public static Headers Headers(string reason, string? detail, string stream, string source, DateTimeOffset rejectedAt, int originalLength)
    {
        var headers = new Headers
        {
            { DeadLetterHeaders.Reason, Encoding.UTF8.GetBytes(reason) },
            { DeadLetterHeaders.Detail, Encoding.UTF8.GetBytes(detail ?? string.Empty) },
            { DeadLetterHeaders.Stream, Encoding.UTF8.GetBytes(stream) },
            { DeadLetterHeaders.Source, Encoding.UTF8.GetBytes(source) },
            { DeadLetterHeaders.RejectedAt, Encoding.UTF8.GetBytes(rejectedAt.ToString("O", CultureInfo.InvariantCulture)) },
        };
        if (originalLength > MaxValueBytes)
            headers.Add(DeadLetterHeaders.OriginalLength, Encoding.UTF8.GetBytes(originalLength.ToString(CultureInfo.InvariantCulture)));
        return headers;
    }
}
