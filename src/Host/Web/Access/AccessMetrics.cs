using Prometheus;

namespace Streaming.Host.Web.Access;

/// <summary>Requests refused before their endpoint ran, by endpoint and reason (missing_api_key, invalid_api_key, scope_not_granted, rate_limited).</summary>
internal sealed class AccessMetrics(CollectorRegistry registry)
{
    private readonly Counter _refused = Metrics.WithCustomRegistry(registry).CreateCounter("streaming_http_refused_total",
        "HTTP requests refused by authentication or rate limits before their endpoint ran.", "endpoint", "reason");

    public void Refused(HttpContext context, string reason) =>
        _refused.WithLabels((context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched", reason).Inc();
}
