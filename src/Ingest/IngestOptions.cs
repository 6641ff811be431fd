using System.ComponentModel.DataAnnotations;
namespace Streaming.Ingest;

/// <summary>Configuration section "Ingest": what a record may look like before it is accepted.</summary>
public sealed class IngestOptions
{
    public const string Section = "Ingest";

    /// <summary>Largest single record, in bytes of UTF-8 JSON.</summary>
    [Range(64, 1_000_000)]
    public int MaxRecordBytes { get; set; } = 64 * 1024;

    /// <summary>Largest HTTP request body, in bytes.</summary>
    [Range(1, 1_073_741_824)]
    public int MaxBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// Largest magnitude of a number (a field or a label's value). Sums of squares of a billion such values stay
    /// finite (1e15² × 1e9 = 1e39), so no realistic aggregate overflows. At most <see cref="Contracts.RecordBounds.MaxMagnitude"/>,
    /// what every consumer holds any record to: ingest may only be stricter.
    /// </summary>
    [Range(1.0, Contracts.RecordBounds.MaxMagnitude)]
    public double MaxMagnitude { get; set; } = Contracts.RecordBounds.MaxMagnitude;

    /// <summary>Most records in one request: the work one request can ask for.</summary>
    [Range(1, 1_000_000)]
    public int MaxRecordsPerRequest { get; set; } = 10_000;

    /// <summary>Most entries in a response's errors list (the rest are counted in errorsOmitted).</summary>
    [Range(1, 1_000_000)]
    public int MaxErrors { get; set; } = 100;

    /// <summary>How far ahead of the ingest clock an event time may be (clock skew of producers); at most a day, as for any record (<see cref="Contracts.RecordBounds.MaxAheadOfArrival"/>).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How far behind the ingest clock an event time may be (older data belongs to a backfill).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan MaxEventAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Records that may wait for a Kafka acknowledgement at once; more make the caller wait.</summary>
    [Range(1, 10_000_000)]
    public int MaxInFlight { get; set; } = 100_000;

    /// <summary>librdkafka linger.ms for the ingest producer: a little batching buys a lot of throughput.</summary>
    [Range(0, 5000)]
    public int LingerMs { get; set; } = 5;
}
