using Microsoft.Extensions.Diagnostics.HealthChecks;
using Streaming.FeatureStore.Streams;

namespace Streaming.Host.Web;

/// <summary>Ready when the feature topology is running (not starting, rebalancing or failed).</summary>
internal sealed class FeaturePipelineHealthCheck(FeatureStoreService service) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(service.IsRunning
            ? HealthCheckResult.Healthy("Feature pipeline running")
            : HealthCheckResult.Unhealthy($"Feature pipeline is {service.State?.ToString() ?? "not started"}; its log says why (a rebalance passes by itself, an ERROR state needs a restart)."));
}
