namespace Streaming.Ingest;

/// <summary>Configuration section "Ingest": what a record may look like before it is accepted.</summary>
public sealed class IngestOptions
{
    public const string Section = "Ingest";

    /// <summary>Largest single record, in bytes of UTF-8 JSON.</summary>
    public int MaxRecordBytes { get; set; } = 64 * 1024;

    /// <summary>Largest HTTP request body, in bytes.</summary>
    public int MaxBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>How far ahead of the ingest clock an event time may be (clock skew of producers).</summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How far behind the ingest clock an event time may be (older data belongs to a backfill).</summary>
    public TimeSpan MaxEventAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Records that may wait for a Kafka acknowledgement at once; more make the caller wait.</summary>
    public int MaxInFlight { get; set; } = 100_000;

    /// <summary>librdkafka linger.ms for the ingest producer: a little batching buys a lot of throughput.</summary>
    public int LingerMs { get; set; } = 5;
}
