using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Streaming.Host.Web;

/// <summary>Ready when Redis answers PING.</summary>
internal sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var endpoints = string.Join(",", redis.GetEndPoints().Select(e => e.ToString()));
        try
        {
            var latency = await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy($"Redis at {endpoints} answered PING in {latency.TotalMilliseconds:F2} ms");
        }
        catch (RedisException e)
        {
            return HealthCheckResult.Unhealthy($"Redis at {endpoints} does not answer: {e.Message}. Check Redis:Configuration.");
        }
    }
}
