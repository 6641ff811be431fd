using Prometheus;

namespace Streaming.FeatureStore;

/// <summary>The feature pipeline's Prometheus metrics.</summary>
public sealed class FeatureMetrics
{
    public FeatureMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        Received = factory.CreateCounter("streaming_features_received_total", "Records of a source topic read by the tile processors (each is folded into tiles, dead-lettered, or feeds no view).", "topic");
        Resumed = factory.CreateCounter("streaming_features_resumed_total", "Records read again after a restart that were already in the online store's tiles: skipped.", "topic");
        Stored = factory.CreateCounter("streaming_features_stored_total", "Records whose effect on the tiles is in Redis (flushed with their partition's progress).", "topic");
        Aggregated = factory.CreateCounter("streaming_features_aggregated_total", "Records folded into a view's tiles.", "view");
        LateRecords = factory.CreateCounter("streaming_features_late_total", "Records later than the view's grace on their source partition: dead-lettered, not aggregated.", "view");
        MissingField = factory.CreateCounter("streaming_features_missing_field_total", "Events of a view's type without the (numeric) field it aggregates: not counted in that view.", "view");
        DeadLettered = factory.CreateCounter("streaming_features_dead_lettered_total", "Records the feature pipeline dead-lettered, by stream and reason.", "stream", "reason");
        RecordsLost = factory.CreateCounter("streaming_features_records_lost_total",
            "Times a source partition's records were deleted before the pipeline folded them (its position below the log start); the pipeline stops on the first.");
        DeadLetterFailures = factory.CreateCounter("streaming_features_dead_letter_failures_total", "Dead letters the producer refused outright (lost; check the broker's message size limit).");
        ExamplesJoined = factory.CreateCounter("streaming_features_training_examples_total", "Training examples published (logged predictions joined with their labels).");
        PredictionsUnlabelled = factory.CreateCounter("streaming_features_predictions_unlabelled_total", "Logged predictions no label named within the join horizon: forgotten.");
        OnlineWrites = factory.CreateCounter("streaming_features_online_writes_total", "Tiles written to Redis.", "view");
        OnlineWriteFailures = factory.CreateCounter("streaming_features_online_write_failures_total", "Tile reads and writes that failed and were retried (the stream waits for Redis).");
        Freshness = factory.CreateHistogram("streaming_features_freshness_seconds",
            "From the newest contribution entering Kafka to its tile being visible in Redis.",
            new HistogramConfiguration
            {
                LabelNames = ["view"],
                // Fine around 100 ms, the freshness target: a percentile read from the buckets is only as exact as they are.
                Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
            });
        ConsumerLag = factory.CreateGauge("streaming_features_consumer_lag", "Records in a source topic not yet processed by the feature pipeline.", "topic");
    }

    public Counter Received { get; }
    public Counter Resumed { get; }
    public Counter Stored { get; }
    public Counter Aggregated { get; }
    public Counter LateRecords { get; }
    public Counter MissingField { get; }
    public Counter DeadLettered { get; }
    public Counter DeadLetterFailures { get; }
    public Counter RecordsLost { get; }
    public Counter ExamplesJoined { get; }
    public Counter PredictionsUnlabelled { get; }
    public Counter OnlineWrites { get; }
    public Counter OnlineWriteFailures { get; }
    public Histogram Freshness { get; }
    public Gauge ConsumerLag { get; }
}
