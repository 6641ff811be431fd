using Confluent.Kafka;
using Streaming.Platform.Kafka;

namespace Streaming.Tests;

/// <summary>The embedded broker is a real Kafka endpoint: separate clients meet on it.</summary>
public sealed class KafkaRoundTripTests : IDisposable
{
    private readonly EmbeddedKafkaCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public void A_producer_and_a_consumer_group_member_exchange_records()
    {
        _cluster.CreateTopic("round-trip", 3);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, EnableIdempotence = true }).Build())
        {
            for (var i = 0; i < 1000; i++) producer.Produce("round-trip", new Message<string, string> { Key = $"k{i % 7}", Value = $"v{i}" });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        }

        var config = new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "round-trip-readers",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Subscribe("round-trip");
        var received = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (received.Count < 1000 && DateTime.UtcNow < deadline)
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result) received.Add(result);

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"v{i}").Order(), received.Select(r => r.Message.Value).Order());
        foreach (var key in received.GroupBy(r => r.Message.Key))
        {
            Assert.Single(key.Select(r => r.Partition.Value).Distinct());
            var values = key.OrderBy(r => r.Offset.Value).Select(r => int.Parse(r.Message.Value[1..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(values.Order(), values);
        }
        consumer.Commit();
        consumer.Close();
    }

    [Fact]
    public void Transactions_commit_atomically_on_the_embedded_broker()
    {
        _cluster.CreateTopic("tx", 1);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, TransactionalId = "tx-test" }).Build())
        {
            producer.InitTransactions(TimeSpan.FromSeconds(10));
            producer.BeginTransaction();
            producer.Produce("tx", new Message<Null, string> { Value = "aborted" });
            producer.AbortTransaction(TimeSpan.FromSeconds(10));
            producer.BeginTransaction();
            producer.Produce("tx", new Message<Null, string> { Value = "committed" });
            producer.CommitTransaction(TimeSpan.FromSeconds(10));
        }
        var config = new ConsumerConfig { BootstrapServers = _cluster.BootstrapServers, GroupId = "tx-reader", IsolationLevel = IsolationLevel.ReadCommitted, EnablePartitionEof = true };
        using var consumer = new ConsumerBuilder<Null, string>(config).Build();
        consumer.Assign(new TopicPartitionOffset("tx", 0, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null) continue;
            if (result.IsPartitionEOF) break;
            values.Add(result.Message.Value);
        }
        Assert.Equal(["committed"], values);
    }
}
