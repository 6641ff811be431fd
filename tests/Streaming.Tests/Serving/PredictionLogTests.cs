using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using Streaming.Contracts;
using Streaming.Platform.Kafka;
using Streaming.Serving;
using Streaming.Serving.Prediction;

namespace Streaming.Tests.Serving;

/// <summary>The prediction log never blocks or fails a request: what Kafka cannot take is dropped and counted.</summary>
public sealed class PredictionLogTests
{
    private static (PredictionLogPublisher Publisher, ServingMetrics Metrics) Create(int capacity)
    {
        // Nothing listens on port 1: Kafka is unreachable. Records give up after 300 ms instead of 30 s.
        var kafka = new KafkaOptions
        {
            BootstrapServers = "127.0.0.1:1",
            Properties = new() { ["message.timeout.ms"] = "300", ["reconnect.backoff.max.ms"] = "100" },
        };
        LibrdkafkaLoader.EnsureInstalled();
        var configs = new KafkaClientConfigs(new ExternalKafkaCluster(kafka, NullLogger<ExternalKafkaCluster>.Instance), kafka);
        var metrics = new ServingMetrics(Metrics.NewCustomRegistry());
        var publisher = new PredictionLogPublisher(new ServingOptions { PredictionLogCapacity = capacity }, configs, metrics, NullLogger<PredictionLogPublisher>.Instance);
        return (publisher, metrics);
    }

    private static PredictionLog Log(int i) => new($"p{i}", "m", "1", DateTimeOffset.UtcNow, new Dictionary<string, string> { ["origin"] = "SFO" },
        new Dictionary<string, IReadOnlyDictionary<string, FieldValue>> { ["fields"] = new Dictionary<string, FieldValue> { ["x"] = i } }, 0.5);

    [Fact]
    public void A_full_buffer_drops_and_counts_instead_of_blocking()
    {
        var (publisher, metrics) = Create(capacity: 2);
        Assert.True(publisher.Offer(Log(1)));
        Assert.True(publisher.Offer(Log(2)));
        Assert.False(publisher.Offer(Log(3)));
        Assert.Equal(1, metrics.LogDropped.WithLabels("buffer_full").Value);
        Assert.Equal(2, publisher.Pending);
    }

    [Fact]
    public async Task With_kafka_unreachable_every_record_is_accounted_for_as_dropped()
    {
        var (publisher, metrics) = Create(capacity: 50);
        await publisher.StartAsync(CancellationToken.None);
        const int offered = 200;
        var accepted = Enumerable.Range(0, offered).Count(i => publisher.Offer(Log(i)));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        double Dropped() => metrics.LogDropped.WithLabels("buffer_full").Value + metrics.LogDropped.WithLabels("not_delivered").Value;
        while (Dropped() < offered && DateTime.UtcNow < deadline) await Task.Delay(50);
        await publisher.StopAsync(CancellationToken.None);

        Assert.Equal(0, metrics.LogPublished.Value);
        Assert.Equal(offered - accepted, metrics.LogDropped.WithLabels("buffer_full").Value);
        Assert.Equal(offered, Dropped()); // received = published + dropped
    }
}
