using System.Net;
using System.Text.Json;
using Streaming.Tests.Support;

namespace Streaming.Tests.Serving;

/// <summary>Every kind of bad request gets a 4xx problem+json with its reason, is counted, and none reaches 500.</summary>
public sealed class BadRequestTests(BadRequestTests.Node node) : IClassFixture<BadRequestTests.Node>
{
    private const string Predict = "/v1/models/flights-delay/predict";
    private const string Batch = "/v1/models/flights-delay/predict/batch";
    private readonly ServingHost _serving = node.Serving;

    /// <summary>One serving node for every case (xunit runs a class's tests one at a time).</summary>
    public sealed class Node : IAsyncLifetime
    {
        public ServingHost Serving { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Serving = await ServingHost.StartAsync("--Serving:MaxBatch=3", "--Serving:MaxBodyBytes=2000", "--Serving:MaxFields=2", "--Serving:MaxTextLength=100");
            await Serving.PublishAsync(SnapshotFactory.Train(await TrainingExampleStream.FlightsAsync(500)), 1);
            await Serving.WaitForVersionAsync(1);
        }

        public async Task DisposeAsync() => await Serving.DisposeAsync();
    }

    public static TheoryData<string, string, string, HttpStatusCode, string> Cases => new()
    {
        { Predict, """{"keys":{"origin":"SFO""", "application/json", HttpStatusCode.BadRequest, "malformed_json" },
        { Predict, "", "application/json", HttpStatusCode.BadRequest, "malformed_json" },
        { Predict, "null", "application/json", HttpStatusCode.BadRequest, "invalid_request" },
        { Predict, """{"keys":{"origin":5}}""", "application/json", HttpStatusCode.BadRequest, "invalid_request" },
        { Predict, """{"keys":["SFO"]}""", "application/json", HttpStatusCode.BadRequest, "invalid_request" },
        { Predict, """{"keys":{"origin":"SFO"},"time":"yesterday"}""", "application/json", HttpStatusCode.BadRequest, "invalid_request" },
        { Predict, """{"keys":{"origin":"SFO"},"fields":{"distance":{"miles":3}}}""", "application/json", HttpStatusCode.BadRequest, "invalid_request" },
        { Predict, """{"key":{"origin":"SFO"}}""", "application/json", HttpStatusCode.BadRequest, "invalid_request" },
        { Predict, """{"fields":{"distance":3}}""", "application/json", HttpStatusCode.BadRequest, "missing_keys" },
        { Predict, """{"keys":{}}""", "application/json", HttpStatusCode.BadRequest, "missing_keys" },
        { Predict, """{"keys":{"origin":" "}}""", "application/json", HttpStatusCode.BadRequest, "empty_key" },
        { Predict, """{"keys":{"origin":"SFO"},"fields":{"a":1,"b":2,"c":3}}""", "application/json", HttpStatusCode.BadRequest, "too_many_fields" },
        { Predict, "{\"keys\":{\"origin\":\"" + new string('x', 200) + "\"}}", "application/json", HttpStatusCode.BadRequest, "text_too_long" },
        { Predict, "{\"keys\":{\"origin\":\"SFO\"},\"fields\":{\"note\":\"" + new string('x', 200) + "\"}}", "application/json", HttpStatusCode.BadRequest, "text_too_long" },
        { Predict, """{"keys":{"origin":"SFO"},"fields":{"distance":1e400}}""", "application/json", HttpStatusCode.BadRequest, "non_finite_field" },
        { Predict, """{"keys":{"origin":"SFO"}}""", "text/plain", HttpStatusCode.UnsupportedMediaType, "unsupported_media_type" },
        { Predict, """{"keys":{"origin":"SFO"}}""", "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType, "unsupported_media_type" },
        { Predict, "{\"keys\":{\"origin\":\"SFO\"},\"fields\":{\"note\":\"" + new string('x', 3000) + "\"}}", "application/json", HttpStatusCode.RequestEntityTooLarge, "body_too_large" },
        { "/v1/models/no-such-model/predict", """{"keys":{"origin":"SFO"}}""", "application/json", HttpStatusCode.NotFound, "unknown_model" },
        { Batch, """{"requests":[]}""", "application/json", HttpStatusCode.BadRequest, "empty_batch" },
        { Batch, """{"requests":null}""", "application/json", HttpStatusCode.BadRequest, "empty_batch" },
        { Batch, """{"requests":[{"keys":{"a":"1"}},{"keys":{"a":"2"}},{"keys":{"a":"3"}},{"keys":{"a":"4"}}]}""", "application/json", HttpStatusCode.BadRequest, "too_many_entities" },
        { Batch, """{"requests":[{"keys":{"a":"1"}},{"keys":null}]}""", "application/json", HttpStatusCode.BadRequest, "missing_keys" },
        { Batch, """[{"keys":{"a":"1"}}]""", "application/json", HttpStatusCode.BadRequest, "invalid_request" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_request_is_a_counted_problem_with_its_reason(string path, string body, string mediaType, HttpStatusCode status, string reason)
    {
        var before = await CountsAsync(reason);
        using var response = await _serving.PostJsonAsync(path, body, mediaType);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(reason, problem.GetProperty("reason").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        var after = await CountsAsync(reason);
        Assert.Equal(before.Rejected + 1, after.Rejected);
        Assert.Equal(before.Answered + 1, after.Answered);
    }

    [Fact]
    public async Task Admin_endpoints_need_the_key()
    {
        using var none = await _serving.PostJsonAsync("/v1/admin/models/flights-delay/rollback", "");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        using var wrong = await _serving.PostJsonAsync("/v1/admin/models/flights-delay/rollback", "", apiKey: "guess");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using var unknown = await _serving.PostJsonAsync("/v1/admin/models/flights-delay/pin", """{"version":99}""", apiKey: ServingHost.AdminKey);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, unknown.StatusCode); // pin is PUT
        Assert.Equal(1, await _serving.ServedVersionAsync());
    }

    [Fact]
    public async Task The_openapi_document_describes_the_prediction_api()
    {
        var document = JsonDocument.Parse(await _serving.Http.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = document.GetProperty("paths");
        var predict = paths.GetProperty("/v1/models/{name}/predict").GetProperty("post");
        Assert.True(predict.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(predict.GetProperty("responses").TryGetProperty("400", out _));
        Assert.True(paths.TryGetProperty("/v1/models/{name}/predict/batch", out _));
        Assert.True(paths.TryGetProperty("/v1/admin/models/{name}/pin", out _));
    }

    private async Task<(double Rejected, double Answered)> CountsAsync(string reason)
    {
        var metrics = await _serving.Host.MetricsAsync();
        return (MetricsText.Sum(metrics, "streaming_serving_rejected_total", $"reason=\"{reason}\""),
            MetricsText.Sum(metrics, "streaming_serving_requests_total"));
    }
}
