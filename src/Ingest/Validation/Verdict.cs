namespace Streaming.Ingest.Validation;

/// <summary>The outcome of validating one record: its partition key when valid, else why not.</summary>
public readonly record struct Verdict(string? PartitionKey, string? Reason, string? Detail)
{
    public bool IsValid => Reason is null;

    public static Verdict Valid(string partitionKey) => new(partitionKey, null, null);

    public static Verdict Reject(string reason, string detail) => new(null, reason, detail);
}
