using System.Net;
using System.Text;
using System.Text.Json;
using Streaming.Host.Web;
using Streaming.Tests.Support;

namespace Streaming.Tests.Http;

/// <summary>API keys (ingest, predict, admin) and rate limits on ingest and predict, through the real host and ASP.NET Core's own middleware.</summary>
public sealed class AccessTests
{
    private const string IngestKey = "ingest-key-0123456789";
    private const string PredictKey = "predict-key-0123456789";

    private static StringContent Event() => new(
        $$$"""{"id":"{{{Guid.NewGuid():N}}}","type":"test","time":"{{{DateTimeOffset.UtcNow:O}}}","keys":{"user":"u1"},"fields":{"x":1}}""",
        Encoding.UTF8, "application/json");

    private static async Task<(HttpStatusCode Status, string MediaType, string Reason)> SendAsync(HttpClient http, string path, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Event() };
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var reason = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
            ? JsonDocument.Parse(text).RootElement.GetProperty("reason").GetString() ?? ""
            : "";
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "", reason);
    }

    [Fact]
    public async Task With_keys_configured_ingest_needs_a_key_that_grants_it_and_each_refusal_is_problem_json_and_counted()
    {
        await using var host = await RunningHost.StartAsync(HostParts.Ingest,
            "--Access:ApiKeys:0:Name=producer", "--Access:ApiKeys:0:Key=" + IngestKey, "--Access:ApiKeys:0:Scopes:0=ingest",
            "--Access:ApiKeys:1:Name=app", "--Access:ApiKeys:1:Key=" + PredictKey, "--Access:ApiKeys:1:Scopes:0=predict");

        Assert.Equal((HttpStatusCode.Unauthorized, "application/problem+json", "missing_api_key"), await SendAsync(host.Http, "/v1/events", null));
        Assert.Equal((HttpStatusCode.Unauthorized, "application/problem+json", "invalid_api_key"), await SendAsync(host.Http, "/v1/events", "not-a-key-of-this-node"));
        Assert.Equal((HttpStatusCode.Forbidden, "application/problem+json", "scope_not_granted"), await SendAsync(host.Http, "/v1/events", PredictKey));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(host.Http, "/v1/events", IngestKey)).Status);
        // Health and metrics stay open: probes and scrapers carry no keys.
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/healthz")).StatusCode);

        var metrics = await host.MetricsAsync();
        foreach (var reason in new[] { "missing_api_key", "invalid_api_key", "scope_not_granted" })
            Assert.Equal(1, MetricsText.Sum(metrics, "streaming_http_refused_total", $"reason=\"{reason}\""));
        Assert.Equal(1, MetricsText.Sum(metrics, "streaming_ingest_accepted_total"));
    }

    [Fact]
    public async Task Admin_is_closed_until_a_key_grants_it_and_a_key_for_another_scope_does_not_open_it()
    {
        await using (var closed = await RunningHost.StartAsync(HostParts.Serving))
            Assert.Equal((HttpStatusCode.Forbidden, "application/problem+json", "admin_disabled"),
                await SendAsync(closed.Http, "/v1/admin/models/flights-delay/rollback", null));

        await using var host = await RunningHost.StartAsync(HostParts.Serving,
            "--Access:ApiKeys:0:Name=operator", "--Access:ApiKeys:0:Key=" + IngestKey, "--Access:ApiKeys:0:Scopes:0=admin",
            "--Access:ApiKeys:1:Name=app", "--Access:ApiKeys:1:Key=" + PredictKey, "--Access:ApiKeys:1:Scopes:0=predict");
        Assert.Equal((HttpStatusCode.Unauthorized, "application/problem+json", "missing_api_key"),
            await SendAsync(host.Http, "/v1/admin/models/flights-delay/rollback", null));
        Assert.Equal((HttpStatusCode.Forbidden, "application/problem+json", "scope_not_granted"),
            await SendAsync(host.Http, "/v1/admin/models/flights-delay/rollback", PredictKey));
        // The operator's key passes the policy: what answers now is the endpoint itself (no model is loaded here).
        var operatorCall = await SendAsync(host.Http, "/v1/admin/models/flights-delay/rollback", IngestKey);
        Assert.DoesNotContain(operatorCall.Status, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });
    }

    [Fact]
    public async Task Without_keys_ingest_is_open_and_a_caller_over_its_rate_limit_gets_429_problem_json_with_retry_after()
    {
        await using var host = await RunningHost.StartAsync(HostParts.Ingest, "--Access:Ingest:PermitsPerSecond=1", "--Access:Ingest:Burst=3");
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++) answers.Add(await host.Http.PostAsync("/v1/events", Event()));

        var statuses = answers.Select(a => (int)a.StatusCode).ToList();
        Assert.True(statuses.Count(s => s == 200) is >= 3 and <= 4, "statuses: " + string.Join(",", statuses));
        var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.True(limited.Count >= 2, "statuses: " + string.Join(",", statuses));
        Assert.Equal("application/problem+json", limited[0].Content.Headers.ContentType?.MediaType);
        Assert.Equal("rate_limited", JsonDocument.Parse(await limited[0].Content.ReadAsStringAsync()).RootElement.GetProperty("reason").GetString());
        Assert.NotNull(limited[0].Headers.RetryAfter);

        var metrics = await host.MetricsAsync();
        Assert.Equal(limited.Count, MetricsText.Sum(metrics, "streaming_http_refused_total", "reason=\"rate_limited\""));
        // A refused request never reached ingest: its records were not received, so received = accepted + rejected still holds.
        Assert.Equal(statuses.Count(s => s == 200), MetricsText.Sum(metrics, "streaming_ingest_received_total"));
        foreach (var answer in answers) answer.Dispose();
    }

    [Fact]
    public async Task Metrics_carry_http_request_figures_and_the_openapi_document_lists_ingest()
    {
        await using var host = await RunningHost.StartAsync(HostParts.Ingest);
        using (await host.Http.PostAsync("/v1/events", Event())) { }

        var metrics = await host.MetricsAsync();
        Assert.Contains("http_requests_received_total{", metrics);
        Assert.Contains("endpoint=\"/v1/events\"", metrics);
        Assert.True(MetricsText.Sum(metrics, "http_request_duration_seconds_count", "endpoint=\"/v1/events\"") >= 1, "no request duration for /v1/events");

        using var document = JsonDocument.Parse(await host.Http.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/v1/events", "/v1/labels" })
        {
            var post = paths.GetProperty(path).GetProperty("post");
            Assert.True(post.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/x-ndjson", out _), path);
            var responses = post.GetProperty("responses");
            foreach (var status in new[] { "200", "400", "401", "429", "503" }) Assert.True(responses.TryGetProperty(status, out _), $"{path}: no {status}");
        }
    }
}
