namespace Streaming.Contracts;

/// <summary>
/// Headers on a <see cref="Topics.DeadLetter"/> record. The value is the rejected record's original bytes;
/// these say why, from where and when.
/// </summary>
public static class DeadLetterHeaders
{
    /// <summary>A machine-readable reason code, e.g. "non_finite_number".</summary>
    public const string Reason = "dlq-reason";
    /// <summary>A sentence for a person: what exactly was wrong.</summary>
    public const string Detail = "dlq-detail";
    /// <summary>The stream the record was meant for: "events" or "labels".</summary>
    public const string Stream = "dlq-stream";
    /// <summary>Where it came in: "http", "producer", "replay".</summary>
    public const string Source = "dlq-source";
    /// <summary>Wall-clock time of rejection, ISO 8601.</summary>
    public const string RejectedAt = "dlq-rejected-at";
    /// <summary>Present when only a prefix of an oversized record is kept: its original length in bytes.</summary>
    public const string OriginalLength = "dlq-original-length";
}
