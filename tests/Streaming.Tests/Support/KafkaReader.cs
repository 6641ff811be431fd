using Confluent.Kafka;

namespace Streaming.Tests.Support;

/// <summary>Reads a whole topic from the beginning with a group-less consumer (no rebalance wait).</summary>
public static class KafkaReader
{
    public static List<ConsumeResult<byte[], byte[]>> ReadAll(string bootstrap, string topic, int expected, TimeSpan timeout, TimeSpan? quietAfter = null)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "test-reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        };
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions
            .Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning)).ToList();
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        consumer.Assign(partitions);
        var results = new List<ConsumeResult<byte[], byte[]>>();
        var deadline = DateTime.UtcNow + timeout;
        var quiet = quietAfter ?? TimeSpan.FromMilliseconds(500);
        var lastMessage = DateTime.UtcNow;
        // Read until the expected count and then a quiet spell (to catch extras), or until the deadline.
        while (DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null || result.IsPartitionEOF)
            {
                if (results.Count >= expected && DateTime.UtcNow - lastMessage > quiet) break;
                continue;
            }
            results.Add(result);
            lastMessage = DateTime.UtcNow;
        }
        return results;
    }

    public static string Header(this ConsumeResult<byte[], byte[]> result, string name) =>
        result.Message.Headers.TryGetLastBytes(name, out var value) ? System.Text.Encoding.UTF8.GetString(value) : string.Empty;
}
