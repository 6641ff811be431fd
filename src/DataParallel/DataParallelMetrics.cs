using Prometheus;

namespace Streaming.DataParallel;

/// <summary>Prometheus metrics of the parameter server and its workers (each process exports its own part).</summary>
public sealed class DataParallelMetrics
{
    public DataParallelMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        Rounds = factory.CreateCounter("streaming_dp_rounds_total", "Versions the parameter server published: synchronous rounds closed, or batches of asynchronous slices applied.", "model");
        IdleRounds = factory.CreateCounter("streaming_dp_idle_rounds_total", "Rounds that found no new example in any partition (tried again after DataParallel:IdleWait).", "model");
        Version = factory.CreateGauge("streaming_dp_model_version", "Version of the open round (the newest published).", "model");
        ProgressiveLoss = factory.CreateGauge("streaming_dp_progressive_loss", "Mean progressive loss over every worker's examples, each predicted before it was learned.", "model");
        Learned = factory.CreateCounter("streaming_dp_examples_total", "Examples this worker learned into updates it committed.", "model");
        Skipped = factory.CreateCounter("streaming_dp_skipped_total", "Records this worker did not learn and dead-lettered, by reason.", "model", "reason");
        Updates = factory.CreateCounter("streaming_dp_updates_total",
            "Partition updates this worker pushed, by outcome: committed, or superseded (another attempt of the same slice committed first).", "model", "outcome");
        DiscardedSlices = factory.CreateCounter("streaming_dp_discarded_slices_total",
            "Asynchronous updates: committed slices discarded because their partition had moved past their start (applied already, e.g. redone after a rebalance or restart).", "model");
        OwnedPartitions = factory.CreateGauge("streaming_dp_worker_partitions", "Partitions of training-examples the consumer group gives this worker.", "model");
    }

    public Counter Rounds { get; }
    public Counter IdleRounds { get; }
    public Gauge Version { get; }
    public Gauge ProgressiveLoss { get; }
    public Counter Learned { get; }
    public Counter Skipped { get; }
    public Counter Updates { get; }
    public Gauge OwnedPartitions { get; }
    public Counter DiscardedSlices { get; }
}
