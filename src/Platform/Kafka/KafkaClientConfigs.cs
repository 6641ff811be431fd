using Confluent.Kafka;

namespace Streaming.Platform.Kafka;

/// <summary>Builds client configurations for the cluster in use, with the configured extra properties.</summary>
/// <remarks>
/// Each call copies the properties: Confluent's config classes wrap the dictionary they are given, so
/// sharing one would leak producer settings into consumers.
/// </remarks>
public sealed class KafkaClientConfigs(IKafkaCluster cluster, KafkaOptions options)
{
    public string BootstrapServers => cluster.BootstrapServers;

    public ProducerConfig Producer() => new(Copy()) { BootstrapServers = cluster.BootstrapServers };

    public ConsumerConfig Consumer(string groupId)
    {
        var config = new ConsumerConfig(Copy()) { BootstrapServers = cluster.BootstrapServers, GroupId = groupId };
        config.SessionTimeoutMs ??= (int)options.GroupSessionTimeout.TotalMilliseconds;
        config.HeartbeatIntervalMs ??= Math.Max(100, config.SessionTimeoutMs.Value / 3);
        return config;
    }

    /// <summary>
    /// A consumer of a whole single-partition topic from its beginning, outside any group's offsets (a throwaway
    /// group id, nothing committed): for state every process rebuilds for itself, such as model announcements.
    /// </summary>
    public IConsumer<string?, byte[]> ReadFromBeginning(string topic, string purpose)
    {
        var config = Consumer($"{purpose}-{Guid.NewGuid():N}");
        config.EnableAutoCommit = false;
        var consumer = new ConsumerBuilder<string?, byte[]>(config).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        return consumer;
    }

    public AdminClientConfig Admin() => new(Copy()) { BootstrapServers = cluster.BootstrapServers };

    private Dictionary<string, string> Copy() => new(options.Properties);
}
