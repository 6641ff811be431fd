namespace Streaming.Ingest.Replay;

/// <summary>One record of a replayed dataset, with the time it would have reached us in reality.</summary>
public readonly record struct ReplayRecord(IngestStream Stream, byte[] Utf8, DateTimeOffset Arrival);

/// <summary>A dataset as records in arrival order.</summary>
public interface IReplaySource
{
    /// <summary>How many source rows there are, when known up front (for the progress bar).</summary>
    long? RowCount { get; }

    /// <summary>Source rows read so far (a row may yield an event and a label).</summary>
    long RowsRead { get; }

    IAsyncEnumerable<ReplayRecord> ReadAsync(CancellationToken cancellationToken);
}
