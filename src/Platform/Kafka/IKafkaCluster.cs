using Streaming.Contracts;

namespace Streaming.Platform.Kafka;

/// <summary>The Kafka cluster this process talks to: embedded (mock) or a real one.</summary>
public interface IKafkaCluster
{
    string BootstrapServers { get; }

    /// <summary>"embedded" or "external", for logs and /readyz.</summary>
    string Kind { get; }

    /// <summary>Creates the topics that do not exist yet; existing ones are left as they are.</summary>
    Task EnsureTopicsAsync(IEnumerable<TopicSpec> topics, CancellationToken cancellationToken);
}
