using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Streaming.Host.Web;

/// <summary>
/// Live while every part (each background service: learner, feature pipeline, prediction log, model follower, …) runs
/// or ended by itself; a part that failed fails liveness, and readiness names it and says why. The host then stops
/// and exits non-zero (<see cref="Cli.HostRun"/>), so this is what a probe sees in between.
/// </summary>
internal sealed class PartsHealthCheck(IEnumerable<IHostedService> services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var parts = services.OfType<BackgroundService>().ToList();
        var failed = parts.Where(p => p.ExecuteTask is { IsFaulted: true }).ToList();
        if (failed.Count == 0) return Task.FromResult(HealthCheckResult.Healthy($"{parts.Count} parts, none failed"));
        var why = string.Join("; ", failed.Select(p => $"{p.GetType().Name} failed: {p.ExecuteTask!.Exception!.GetBaseException().Message}"));
        return Task.FromResult(HealthCheckResult.Unhealthy(why + ". The process exits non-zero; its log says more."));
    }
}
