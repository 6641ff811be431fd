using System.ComponentModel.DataAnnotations;
namespace Streaming.Platform.Kafka;

/// <summary>Configuration section "Kafka".</summary>
public sealed class KafkaOptions
{
    public const string Section = "Kafka";

    /// <summary>A real cluster's bootstrap servers. Empty: start librdkafka's mock cluster in this process.</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>Partitions of the keyed streams (events, labels, predictions).</summary>
    [Range(1, 1024)]
    public int StreamPartitions { get; set; } = 4;

    /// <summary>
    /// Partitions of training-examples. One by default: the single learner then learns one total order, and a resumed
    /// run learns exactly what an uninterrupted one would. Data-parallel learning (parameter-server, learner-worker)
    /// spreads partitions over workers, so it needs as many partitions as workers it can use.
    /// </summary>
    [Range(1, 1024)]
    public int TrainingExamplePartitions { get; set; } = 1;

    /// <summary>Brokers in the embedded mock cluster.</summary>
    [Range(1, 16)]
    public int EmbeddedBrokers { get; set; } = 1;

    /// <summary>Replication factor for topics created on a real cluster.</summary>
    [Range(1, 16)]
    public short ReplicationFactor { get; set; } = 1;

    /// <summary>
    /// How long a consumer group waits to hear from a member before handing its partitions to the others
    /// (librdkafka's session.timeout.ms, 45 s by default). Shorter here: a crashed process's partitions move on
    /// sooner, and the embedded broker holds a group's next rebalance this long (less 1 s) after a member leaves
    /// or joins, so a restarted pipeline or a second stream thread would otherwise sit idle for 44 s. A
    /// <c>session.timeout.ms</c> in <see cref="Properties"/> takes precedence.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan GroupSessionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Extra librdkafka properties for every client (e.g. security.protocol, sasl.*).</summary>
    public Dictionary<string, string> Properties { get; set; } = [];

    public bool IsEmbedded => string.IsNullOrWhiteSpace(BootstrapServers);
}
