using Prometheus;

namespace Streaming.Ingest;

/// <summary>
/// Ingest counters. Every record that comes in is received; it ends accepted (on its topic), rejected
/// (on the dead-letter topic, by reason) or failed (Kafka did not take it; the caller was told to retry).
/// So at rest: received = accepted + rejected + failed, and with a healthy Kafka failed stays 0.
/// </summary>
public sealed class IngestMetrics
{
    public IngestMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        Received = factory.CreateCounter("streaming_ingest_received_total", "Records received, by stream and source.", "stream", "source");
        Accepted = factory.CreateCounter("streaming_ingest_accepted_total", "Records published to their topic.", "stream", "source");
        Rejected = factory.CreateCounter("streaming_ingest_rejected_total", "Records dead-lettered, by reason.", "stream", "source", "reason");
        Failed = factory.CreateCounter("streaming_ingest_failed_total", "Records Kafka did not acknowledge (the caller was told to retry).", "stream", "source");
        InFlight = factory.CreateGauge("streaming_ingest_in_flight", "Records waiting for a Kafka acknowledgement.");
    }

    public Counter Received { get; }
    public Counter Accepted { get; }
    public Counter Rejected { get; }
    public Counter Failed { get; }
    public Gauge InFlight { get; }
}
