using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Contracts;
using Streaming.Ingest.Publishing;
using Streaming.Ingest.Validation;
using Streaming.Tests.Support;

namespace Streaming.Tests;

/// <summary>The producer library applications use: ordering per entity, back-pressure, failures surfaced.</summary>
public sealed class ProducerLibraryTests
{
    private static EntityEvent Event(string user, int sequence) => new(
        $"{user}-{sequence}", "test", DateTimeOffset.UtcNow, new Dictionary<string, string> { ["user"] = user },
        new Dictionary<string, FieldValue> { ["seq"] = sequence });

    [Fact]
    public async Task Each_entitys_events_arrive_in_the_order_they_were_published()
    {
        // A tiny in-flight window forces the back-pressure path on every few records.
        await using var host = await RunningHost.StartAsync("--Ingest:MaxInFlight=16");
        var producer = host.Services.GetRequiredService<EventProducer>();
        const int users = 40, perUser = 250;
        var pending = new List<Task<RecordOutcome>>();
        for (var sequence = 0; sequence < perUser; sequence++)
            for (var user = 0; user < users; user++)
                pending.Add(await producer.EnqueueAsync(Event($"u{user}", sequence)));
        var outcomes = await Task.WhenAll(pending);
        Assert.All(outcomes, o => Assert.Equal(RecordStatus.Accepted, o.Status));

        var records = KafkaReader.ReadAll(host.Bootstrap, Topics.Events, users * perUser, TimeSpan.FromSeconds(60));
        Assert.Equal(users * perUser, records.Count);
        var byKey = records.GroupBy(r => Encoding.UTF8.GetString(r.Message.Key)).ToList();
        Assert.Equal(users, byKey.Count);
        foreach (var key in byKey)
        {
            Assert.Single(key.Select(r => r.Partition.Value).Distinct());
            var sequences = key.OrderBy(r => r.Offset.Value)
                .Select(r => JsonSerializer.Deserialize(r.Message.Value, ContractsJsonContext.Default.EntityEvent)!.Fields!["seq"].Number)
                .ToList();
            Assert.Equal(Enumerable.Range(0, perUser).Select(i => (double)i), sequences);
        }
    }

    [Fact]
    public async Task An_invalid_typed_event_is_dead_lettered_and_reported_not_thrown()
    {
        await using var host = await RunningHost.StartAsync();
        var producer = host.Services.GetRequiredService<EventProducer>();
        var bad = new EntityEvent("e1", "test", DateTimeOffset.UtcNow, new Dictionary<string, string> { ["user"] = "" });
        var outcome = await producer.PublishAsync(bad);
        Assert.Equal(RecordStatus.Rejected, outcome.Status);
        Assert.Equal(RejectionReasons.EmptyKey, outcome.Reason);
        var deadLetters = KafkaReader.ReadAll(host.Bootstrap, Topics.DeadLetter, 1, TimeSpan.FromSeconds(20));
        Assert.Equal("producer", Assert.Single(deadLetters).Header(DeadLetterHeaders.Source));
        Assert.Empty(KafkaReader.ReadAll(host.Bootstrap, Topics.Events, 0, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task A_broker_outage_surfaces_as_failed_deliveries_and_publishing_resumes_after()
    {
        await using var host = await RunningHost.StartAsync("--Kafka:Properties:message.timeout.ms=1500");
        var producer = host.Services.GetRequiredService<EventProducer>();
        Assert.Equal(RecordStatus.Accepted, (await producer.PublishAsync(Event("u", 0))).Status);

        host.Kafka.SetBrokerDown(1);
        var failed = await producer.PublishAsync(Event("u", 1));
        Assert.Equal(RecordStatus.Failed, failed.Status);
        Assert.Equal("kafka_unavailable", failed.Reason);
        Assert.Equal(1, MetricsText.Sum(await host.MetricsAsync(), "streaming_ingest_failed_total"));

        host.Kafka.SetBrokerUp(1);
        RecordOutcome resumed = default;
        for (var attempt = 0; attempt < 10 && resumed.Status != RecordStatus.Accepted; attempt++)
            resumed = await producer.PublishAsync(Event("u", 2));
        Assert.Equal(RecordStatus.Accepted, resumed.Status);
    }
}
