namespace Streaming.FeatureStore.Definitions;

/// <summary>
/// An event-time window: hopping windows of <see cref="Size"/> starting every <see cref="Advance"/>
/// (tumbling when the two are equal), aligned to the Unix epoch as in Kafka Streams.
/// </summary>
public sealed record WindowSpec(TimeSpan Size, TimeSpan Advance)
{
    public static WindowSpec Tumbling(TimeSpan size) => new(size, size);

    public static WindowSpec Hopping(TimeSpan size, TimeSpan advance) => new(size, advance);

    public bool IsTumbling => Size == Advance;

    public long SizeMs => (long)Size.TotalMilliseconds;

    public long AdvanceMs => (long)Advance.TotalMilliseconds;

    /// <summary>
    /// The start of the earliest window that contains <paramref name="timeMs"/>: of all windows holding a
    /// time, the one covering the most history before it. A feature's value "as of" a time is this
    /// window's aggregate; the online store holds it for each entity's newest time.
    /// </summary>
    public long CurrentWindowStart(long timeMs) => Math.Max(0, timeMs - SizeMs + AdvanceMs) / AdvanceMs * AdvanceMs;

    /// <summary>The starts of every window [start, start + size) holding <paramref name="timeMs"/>, newest first, as Streamiz assigns them.</summary>
    public IEnumerable<long> StartsHolding(long timeMs)
    {
        for (var start = timeMs / AdvanceMs * AdvanceMs; start > timeMs - SizeMs && start >= 0; start -= AdvanceMs) yield return start;
    }

    public override string ToString() => IsTumbling ? $"tumbling {Size}" : $"hopping {Size} every {Advance}";
}
