using Prometheus;

namespace Streaming.FeatureStore;

/// <summary>The feature pipeline's Prometheus metrics.</summary>
public sealed class FeatureMetrics
{
    public FeatureMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        Aggregated = factory.CreateCounter("streaming_features_aggregated_total", "Records folded into a view's windows.", "view");
        LateRecords = factory.CreateCounter("streaming_features_late_total", "Records later than the view's grace: dead-lettered, not aggregated.", "view");
        MissingField = factory.CreateCounter("streaming_features_missing_field_total", "Events of a view's type without the (numeric) field it aggregates: not counted in that view.", "view");
        DeadLettered = factory.CreateCounter("streaming_features_dead_lettered_total", "Records the feature pipeline dead-lettered, by stream and reason.", "stream", "reason");
        ExamplesJoined = factory.CreateCounter("streaming_features_training_examples_total", "Training examples published (labels joined with point-in-time features).");
        OnlineWrites = factory.CreateCounter("streaming_features_online_writes_total", "Feature hashes written to Redis.", "view");
        OnlineWriteFailures = factory.CreateCounter("streaming_features_online_write_failures_total", "Redis writes that failed after retries (the next update of the entity rewrites it).", "view");
        Freshness = factory.CreateHistogram("streaming_features_freshness_seconds",
            "From the newest contribution entering Kafka to its value being visible in Redis.",
            new HistogramConfiguration
            {
                LabelNames = ["view"],
                // Fine around 100 ms, the freshness target: a percentile read from the buckets is only as exact as they are.
                Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
            });
        WriterQueue = factory.CreateGauge("streaming_features_online_queue", "Updates handed to the Redis writer and not yet acknowledged by Redis.");
        ProbesWaiting = factory.CreateGauge("streaming_features_probes_waiting",
            "Events waiting for every source partition's watermark to pass their time before their point-in-time features are read (their training examples wait with them).", "view");
        ConsumerLag = factory.CreateGauge("streaming_features_consumer_lag", "Records in a source topic not yet processed by the feature pipeline.", "topic");
    }

    public Counter Aggregated { get; }
    public Counter LateRecords { get; }
    public Counter MissingField { get; }
    public Counter DeadLettered { get; }
    public Counter ExamplesJoined { get; }
    public Counter OnlineWrites { get; }
    public Counter OnlineWriteFailures { get; }
    public Histogram Freshness { get; }
    public Gauge WriterQueue { get; }
    public Gauge ProbesWaiting { get; }
    public Gauge ConsumerLag { get; }
}
