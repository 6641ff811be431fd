namespace Streaming.DataParallel;

/// <summary>
/// The open synchronous round, as the parameter server keeps it in Redis: the version its updates start from, the SGD
/// step count of that version, and where each partition's slice starts. It is derived from the newest snapshot (which
/// holds the same offsets), so a parameter server that restarts rebuilds it exactly.
/// </summary>
/// <param name="CaughtUp">The last round found no example in any partition.</param>
public sealed record RoundHead(long Version, long Steps, int Partitions, IReadOnlyDictionary<int, long> Starts, bool CaughtUp)
{
    public long StartOf(int partition) => Starts.TryGetValue(partition, out var start) ? start : 0;
}
