namespace Streaming.Ingest.Replay;

/// <summary>Live counts of a running replay, readable from another thread (for a progress bar).</summary>
public sealed class ReplayProgress
{
    private long _events, _labels, _deadLettered, _failed;

    public long Events => Interlocked.Read(ref _events);
    public long Labels => Interlocked.Read(ref _labels);
    public long DeadLettered => Interlocked.Read(ref _deadLettered);
    public long Failed => Interlocked.Read(ref _failed);
    public long Published => Events + Labels;

    /// <summary>The replay's simulated clock: the arrival time of the newest record sent.</summary>
    public DateTimeOffset SimulatedTime { get; set; }

    public void Count(IngestStream stream, Publishing.RecordOutcome outcome)
    {
        switch (outcome.Status)
        {
            case Publishing.RecordStatus.Accepted when stream == IngestStream.Events: Interlocked.Increment(ref _events); break;
            case Publishing.RecordStatus.Accepted: Interlocked.Increment(ref _labels); break;
            case Publishing.RecordStatus.Rejected: Interlocked.Increment(ref _deadLettered); break;
            default: Interlocked.Increment(ref _failed); break;
        }
    }
}

/// <summary>What a finished replay did.</summary>
public sealed record ReplaySummary(long Rows, long Events, long Labels, long DeadLettered, long Failed, TimeSpan Elapsed)
{
    public double RecordsPerSecond => (Events + Labels + DeadLettered) / Math.Max(Elapsed.TotalSeconds, 1e-9);
}
