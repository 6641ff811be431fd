using Microsoft.Extensions.Diagnostics.HealthChecks;
using Streaming.Serving.Models;

namespace Streaming.Serving;

/// <summary>Ready once every served model has a version loaded; until then predictions answer 503.</summary>
internal sealed class ModelsLoadedHealthCheck(ModelRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var missing = registry.Names.Where(name => registry.Peek(name) is null).ToList();
        return Task.FromResult(missing.Count == 0
            ? HealthCheckResult.Healthy("serving " + string.Join(", ", registry.Names.Select(n => $"{n} v{registry.Peek(n)?.Version}")))
            : HealthCheckResult.Unhealthy($"no version loaded yet of {string.Join(", ", missing)}: has the learner published a snapshot to the model store?"));
    }
}
