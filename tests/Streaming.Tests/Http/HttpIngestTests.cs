using System.Net;
using System.Text;
using System.Text.Json;
using Streaming.Contracts;
using Streaming.Ingest.Validation;
using Streaming.Tests.Support;

namespace Streaming.Tests.Http;

/// <summary>The ingest API's answers for every shape of request, against the real host.</summary>
public sealed class HttpIngestTests : IAsyncLifetime
{
    private RunningHost _host = null!;

    public async Task InitializeAsync() => _host = await RunningHost.StartAsync("--Ingest:MaxBodyBytes=200000", "--Ingest:MaxRecordsPerRequest=50", "--Ingest:MaxErrors=5");

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Event(string id, string? time = null) =>
        $$$"""{"id":"{{{id}}}","type":"test","time":"{{{time ?? DateTimeOffset.UtcNow.ToString("O")}}}","keys":{"user":"u1"},"fields":{"x":1}}""";

    private async Task<(HttpStatusCode Status, string MediaType, JsonElement Body)> PostAsync(string path, string body, string mediaType)
    {
        using var content = new StringContent(body, Encoding.UTF8, mediaType);
        using var response = await _host.Http.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "", JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task A_json_array_of_valid_events_is_accepted()
    {
        var (status, _, body) = await PostAsync("/v1/events", $"[{Event("a")},{Event("b")}]", "application/json");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, body.GetProperty("accepted").GetInt32());
        Assert.Equal(0, body.GetProperty("rejected").GetInt32());
    }

    [Fact]
    public async Task A_mixed_batch_is_accepted_in_part_with_a_reason_per_rejected_record()
    {
        var (status, _, body) = await PostAsync("/v1/events", $"{Event("a")}\n{{\"id\":\"b\"}}\n{Event("c", "2001-01-01T00:00:00Z")}", "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        var errors = body.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal([1, 2], errors.Select(e => e.GetProperty("index").GetInt32()));
        Assert.Equal([RejectionReasons.MissingField, RejectionReasons.TimeTooOld], errors.Select(e => e.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task A_request_over_the_record_cap_is_refused_whole_and_the_errors_list_is_capped()
    {
        var tooMany = string.Join("\n", Enumerable.Range(0, 51).Select(i => Event($"m{i}")));
        var (status, mediaType, body) = await PostAsync("/v1/events", tooMany, "application/x-ndjson");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("application/problem+json", mediaType);
        Assert.Equal(RejectionReasons.TooManyRecords, body.GetProperty("reason").GetString());
        Assert.Equal(0, body.GetProperty("accepted").GetInt32());

        // 40 bad records and one good one: every one is counted, 5 are listed, 35 are counted as omitted.
        var mostlyBad = string.Join("\n", Enumerable.Range(0, 40).Select(i => $"{{\"id\":\"b{i}\"}}").Append(Event("good")));
        (status, _, body) = await PostAsync("/v1/events", mostlyBad, "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(41, body.GetProperty("received").GetInt32());
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        Assert.Equal(40, body.GetProperty("rejected").GetInt32());
        Assert.Equal(5, body.GetProperty("errors").GetArrayLength());
        Assert.Equal(35, body.GetProperty("errorsOmitted").GetInt32());
    }

    [Fact]
    public async Task All_records_rejected_is_a_problem_response()
    {
        var (status, mediaType, body) = await PostAsync("/v1/events", "[{\"id\":1}]", "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", mediaType);
        Assert.Equal(RejectionReasons.WrongType, body.GetProperty("reason").GetString());
        Assert.Equal(1, body.GetProperty("rejected").GetInt32());
    }

    [Theory]
    [InlineData("[{\"id\":\"a\"}, {", "application/json", HttpStatusCode.BadRequest, RejectionReasons.MalformedJson)]
    [InlineData("", "application/json", HttpStatusCode.BadRequest, RejectionReasons.EmptyBody)]
    [InlineData("[]", "application/json", HttpStatusCode.BadRequest, RejectionReasons.EmptyBody)]
    [InlineData("id=1", "text/plain", HttpStatusCode.UnsupportedMediaType, RejectionReasons.UnsupportedMediaType)]
    public async Task A_body_that_cannot_be_split_is_rejected_whole_and_dead_lettered(string body, string mediaType, HttpStatusCode expectedStatus, string reason)
    {
        var (status, type, problem) = await PostAsync("/v1/events", body, mediaType);
        Assert.Equal(expectedStatus, status);
        Assert.Equal("application/problem+json", type);
        Assert.Equal(reason, problem.GetProperty("reason").GetString());
        var deadLetters = KafkaReader.ReadAll(_host.Bootstrap, Topics.DeadLetter, 1, TimeSpan.FromSeconds(20));
        Assert.Contains(deadLetters, r => r.Header(DeadLetterHeaders.Reason) == reason && Encoding.UTF8.GetString(r.Message.Value) == body);
    }

    [Fact]
    public async Task An_oversized_body_is_413_and_its_prefix_is_dead_lettered()
    {
        var big = "[" + string.Join(",", Enumerable.Range(0, 3000).Select(i => Event("e" + i))) + "]";
        Assert.True(big.Length > 200_000);
        var (status, _, problem) = await PostAsync("/v1/events", big, "application/json");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal(RejectionReasons.BodyTooLarge, problem.GetProperty("reason").GetString());
        var deadLetters = KafkaReader.ReadAll(_host.Bootstrap, Topics.DeadLetter, 1, TimeSpan.FromSeconds(20));
        Assert.Contains(deadLetters, r => r.Header(DeadLetterHeaders.Reason) == RejectionReasons.BodyTooLarge && big.StartsWith(Encoding.UTF8.GetString(r.Message.Value), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Labels_have_their_own_endpoint_and_rules()
    {
        var now = DateTimeOffset.UtcNow.ToString("O");
        var (status, _, body) = await PostAsync("/v1/labels",
            $$$"""[{"id":"l1","name":"delay","value":3,"time":"{{{now}}}","eventId":"e1"},{"id":"l2","name":"delay","value":3,"time":"{{{now}}}"}]""",
            "application/json");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        Assert.Equal(RejectionReasons.InvalidTarget, body.GetProperty("errors")[0].GetProperty("reason").GetString());
        var labels = KafkaReader.ReadAll(_host.Bootstrap, Topics.Labels, 1, TimeSpan.FromSeconds(20));
        Assert.Single(labels);
        Assert.Equal("e1", Encoding.UTF8.GetString(labels[0].Message.Key));
    }

    [Fact]
    public async Task Health_readiness_and_metrics_are_served()
    {
        Assert.Equal(HttpStatusCode.OK, (await _host.Http.GetAsync("/healthz")).StatusCode);
        using var ready = await _host.Http.GetAsync("/readyz");
        var readiness = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", readiness.GetProperty("checks").GetProperty("kafka").GetProperty("status").GetString());
        Assert.Equal("Healthy", readiness.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
        await PostAsync("/v1/events", Event("m1"), "application/json");
        var metrics = await _host.MetricsAsync();
        Assert.Equal(1, MetricsText.Sum(metrics, "streaming_ingest_accepted_total", "stream=\"events\""));
    }

    [Fact]
    public async Task Readiness_fails_with_a_reason_while_the_broker_is_down()
    {
        _host.Kafka.SetBrokerDown(1);
        try
        {
            using var ready = await _host.Http.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var readiness = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("Unhealthy", readiness.GetProperty("checks").GetProperty("kafka").GetProperty("status").GetString());
        }
        finally
        {
            _host.Kafka.SetBrokerUp(1);
        }
    }
}
