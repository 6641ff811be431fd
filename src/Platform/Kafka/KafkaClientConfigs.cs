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

    public ConsumerConfig Consumer(string groupId) => new(Copy())
    {
        BootstrapServers = cluster.BootstrapServers,
        GroupId = groupId,
    };

    public AdminClientConfig Admin() => new(Copy()) { BootstrapServers = cluster.BootstrapServers };

    private Dictionary<string, string> Copy() => new(options.Properties);
}
