using Prometheus;

namespace Streaming.Offline;

/// <summary>The lake sink's Prometheus metrics.</summary>
internal sealed class LakeMetrics
{
    public LakeMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        Rows = factory.CreateCounter("streaming_lake_rows_total", "Records committed to the Parquet lake.", "topic");
        Files = factory.CreateCounter("streaming_lake_files_total", "Parquet files committed to the lake.", "topic");
        Skipped = factory.CreateCounter("streaming_lake_skipped_total", "Records read again below the lake's committed offsets and not written twice.", "topic");
    }

    public Counter Rows { get; }
    public Counter Files { get; }
    public Counter Skipped { get; }
}
