namespace Streaming.FeatureStore.Streams;

/// <summary>
/// How probes learn that nothing earlier than a time is still to come. Every source partition sends, after its
/// records, its watermark (newest time less the view's grace: anything earlier is late and dead-lettered) to every
/// partition of the view's repartition topic; there, a probe at time t is answered once every source partition's
/// watermark has passed t. Kafka keeps each producer's records in order per partition, so by then every on-time
/// record earlier than t is in the probe's store, whatever order the partitions were processed in: the answer is
/// the same on every run, and the backfill's.
/// </summary>
/// <param name="Every">Event time between two watermarks of one source partition (a second of wall time also sends one).</param>
/// <param name="IdleAfter">
/// Wall time without a watermark after which a source partition counts as idle and stops holding probes back; when all
/// are idle (the end of a replay), every waiting probe is answered with what has arrived.
/// </param>
public sealed record WatermarkSettings(TimeSpan Every, TimeSpan IdleAfter)
{
    public static WatermarkSettings Default { get; } = new(TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(10));

    /// <summary>How often a probe reader checks for idle sources; <see cref="IdleAfter"/> counts in these ticks.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    public int IdleTicks => Math.Max(1, (int)Math.Ceiling(IdleAfter / Tick));
}
