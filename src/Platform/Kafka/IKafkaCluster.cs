using Streaming.Contracts;

namespace Streaming.Platform.Kafka;

/// <summary>The Kafka cluster this process talks to: embedded (mock) or a real one.</summary>
public interface IKafkaCluster
{
    string BootstrapServers { get; }

    /// <summary>Embedded or external, for logs, /readyz and what only the embedded broker needs.</summary>
    KafkaClusterKind Kind { get; }

    /// <summary>Creates the topics that do not exist yet; existing ones are left as they are.</summary>
    Task EnsureTopicsAsync(IEnumerable<TopicSpec> topics, CancellationToken cancellationToken);
}

/// <summary>Where the broker runs: the in-process librdkafka mock cluster, or a real cluster given by Kafka:BootstrapServers.</summary>
public enum KafkaClusterKind
{
    Embedded,
    External,
}
