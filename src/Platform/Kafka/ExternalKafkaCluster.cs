using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Streaming.Contracts;

namespace Streaming.Platform.Kafka;

/// <summary>A real Kafka cluster given by configuration; topics are created through the admin API.</summary>
internal sealed class ExternalKafkaCluster(KafkaOptions options, ILogger<ExternalKafkaCluster> logger) : IKafkaCluster
{
    public string BootstrapServers { get; } = options.BootstrapServers!;
    public KafkaClusterKind Kind => KafkaClusterKind.External;

    public async Task EnsureTopicsAsync(IEnumerable<TopicSpec> topics, CancellationToken cancellationToken)
    {
        var config = new AdminClientConfig(new Dictionary<string, string>(options.Properties)) { BootstrapServers = BootstrapServers };
        using var admin = new AdminClientBuilder(config).Build();
        var existing = admin.GetMetadata(TimeSpan.FromSeconds(30)).Topics.Select(t => t.Topic).ToHashSet();
        var missing = topics.Where(t => !existing.Contains(t.Name)).Select(t => new TopicSpecification
        {
            Name = t.Name,
            NumPartitions = t.Partitions,
            ReplicationFactor = options.ReplicationFactor,
            Configs = t.Compacted ? new Dictionary<string, string> { ["cleanup.policy"] = "compact" } : null,
        }).ToList();
        if (missing.Count == 0) return;
        try
        {
            await admin.CreateTopicsAsync(missing).WaitAsync(cancellationToken);
            logger.LogInformation("Created topics {Topics} on {Bootstrap}", string.Join(", ", missing.Select(t => t.Name)), BootstrapServers);
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Another process created them first: that is what we wanted.
        }
    }
}
