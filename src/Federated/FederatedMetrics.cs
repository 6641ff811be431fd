using Prometheus;

namespace Streaming.Federated;

/// <summary>The federated server's Prometheus metrics: every update received is counted once, under its verdict.</summary>
public sealed class FederatedMetrics
{
    public FederatedMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        Received = factory.CreateCounter("streaming_federated_updates_received_total", "Client updates received (the sum of streaming_federated_updates_total over verdicts).");
        Updates = factory.CreateCounter("streaming_federated_updates_total",
            "Client updates by verdict: accepted, clipped (accepted, scaled down), malformed, stale_base, duplicate, outlying.", "verdict");
        Version = factory.CreateGauge("streaming_federated_model_version", "Version of the newest federated model.");
        Examples = factory.CreateCounter("streaming_federated_examples_total", "Examples behind the accepted updates, as the clients reported them.");
    }

    public Counter Received { get; }
    public Counter Updates { get; }
    public Gauge Version { get; }
    public Counter Examples { get; }
}
