using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Streaming.Contracts;
using Streaming.Platform.Kafka;

namespace Streaming.Host.Web;

/// <summary>Ready when a broker answers a metadata request for the events topic within two seconds.</summary>
internal sealed class KafkaHealthCheck(KafkaClientConfigs configs, IKafkaCluster cluster) : IHealthCheck, IDisposable
{
    private readonly Lazy<IAdminClient> _admin = new(() => new AdminClientBuilder(configs.Admin()).Build());

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.Run(() =>
        {
            try
            {
                var metadata = _admin.Value.GetMetadata(Topics.Events, TimeSpan.FromSeconds(2));
                var topic = metadata.Topics.Single();
                return topic.Error.IsError
                    ? HealthCheckResult.Unhealthy($"Kafka ({cluster.Kind}, {cluster.BootstrapServers}) reports topic '{Topics.Events}': {topic.Error.Reason}")
                    : HealthCheckResult.Healthy($"Kafka ({cluster.Kind}) at {cluster.BootstrapServers}, {metadata.Brokers.Count} broker(s)");
            }
            catch (KafkaException e)
            {
                return HealthCheckResult.Unhealthy($"Kafka ({cluster.Kind}) at {cluster.BootstrapServers} does not answer: {e.Error.Reason}. Check Kafka:BootstrapServers.");
            }
        }, cancellationToken);

    public void Dispose()
    {
        if (_admin.IsValueCreated) _admin.Value.Dispose();
    }
}
