namespace Streaming.Flights;

/// <summary>
/// A row of the BTS on-time data as packaged in vega-datasets' flights-3m.parquet. Every column is
/// nullable in the file, so every property is too; a row with a missing key still becomes an event,
/// and ingest validation dead-letters it with the reason.
/// </summary>
public sealed class FlightRow
{
#pragma warning disable CA1707, IDE1006 // property names are the file's column names
    public DateTime? date { get; set; }
    public long? delay { get; set; }
    public long? distance { get; set; }
    public string? origin { get; set; }
    public string? destination { get; set; }
#pragma warning restore CA1707, IDE1006
}
