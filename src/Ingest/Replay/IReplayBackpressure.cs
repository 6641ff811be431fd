namespace Streaming.Ingest.Replay;

/// <summary>
/// Something downstream that a replay must not outrun (e.g. a pipeline on a broker that keeps only a
/// bounded backlog). The replay waits on every registered one between batches of records.
/// </summary>
public interface IReplayBackpressure
{
    ValueTask WaitAsync(CancellationToken cancellationToken);
}
