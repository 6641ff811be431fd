namespace Streaming.Offline.Lake;

/// <summary>
/// One archived Kafka record, as stored in the lake's Parquet files: where it came from (partition, offset),
/// its key, its event time (the hour directory it is filed under) and its value as the JSON it was published as.
/// The lake is the raw record, so nothing a later reader needs is lost; readers parse the contracts from it.
/// </summary>
public sealed class LakeRow
{
#pragma warning disable CA1707, IDE1006 // column names
    public int partition { get; set; }
    public long offset { get; set; }
    public string? key { get; set; }
    public DateTime event_time { get; set; }
    public string value { get; set; } = "";
#pragma warning restore CA1707, IDE1006
}
