namespace Streaming.Ingest.Publishing;

public enum RecordStatus
{
    /// <summary>On its topic.</summary>
    Accepted,
    /// <summary>Invalid; on the dead-letter topic with the reason.</summary>
    Rejected,
    /// <summary>Kafka did not acknowledge it (neither topic has it); retry.</summary>
    Failed,
}

/// <summary>What became of one record.</summary>
public readonly record struct RecordOutcome(RecordStatus Status, string? Reason = null, string? Detail = null)
{
    public static readonly RecordOutcome Accepted = new(RecordStatus.Accepted);
}
