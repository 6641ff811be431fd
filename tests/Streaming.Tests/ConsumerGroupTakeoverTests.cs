using System.Diagnostics;
using Confluent.Kafka;
using Streaming.Platform.Kafka;

namespace Streaming.Tests;

/// <summary>Kafka:GroupSessionTimeout: how soon a group's partitions reach the member that replaces one that left.</summary>
public sealed class ConsumerGroupTakeoverTests : IDisposable
{
    private readonly EmbeddedKafkaCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public void A_replacement_member_gets_the_partitions_within_the_group_session_timeout()
    {
        _cluster.CreateTopic("takeover", 2);
        var configs = new KafkaClientConfigs(_cluster, new KafkaOptions { GroupSessionTimeout = TimeSpan.FromSeconds(3) });
        using (var first = new ConsumerBuilder<Ignore, Ignore>(configs.Consumer("takeover-group")).Build())
        {
            first.Subscribe("takeover");
            Assert.True(AssignedWithin(first, TimeSpan.FromSeconds(30)));
            first.Close(); // leaves the group, as a stopped process does
        }

        // The embedded broker holds the group's next rebalance for the session timeout less 1 s after a member leaves
        // (librdkafka's default, 45 s, made a restarted pipeline wait 44 s).
        using var second = new ConsumerBuilder<Ignore, Ignore>(configs.Consumer("takeover-group")).Build();
        second.Subscribe("takeover");
        var clock = Stopwatch.StartNew();
        Assert.True(AssignedWithin(second, TimeSpan.FromSeconds(30)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_session_timeout_among_the_client_properties_wins_over_the_setting()
    {
        var options = new KafkaOptions { Properties = new() { ["session.timeout.ms"] = "7000" } };
        var configured = new KafkaClientConfigs(_cluster, options).Consumer("g");
        Assert.Equal(7000, configured.SessionTimeoutMs);
        Assert.Equal(10_000, new KafkaClientConfigs(_cluster, new KafkaOptions()).Consumer("g").SessionTimeoutMs);
    }

    private static bool AssignedWithin(IConsumer<Ignore, Ignore> consumer, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (consumer.Assignment.Count == 0 && DateTime.UtcNow < deadline) consumer.Consume(TimeSpan.FromMilliseconds(100));
        return consumer.Assignment.Count > 0;
    }
}
