using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Streaming.Tests.Support;

namespace Streaming.Tests.Serving;

/// <summary>Concurrent single predictions coalesced into batches (Serving:MicroBatch) answer exactly as unbatched ones.</summary>
public sealed class MicroBatchingTests
{
    private static readonly DateTimeOffset Watermark = new(2001, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Origins = ["ORD", "ATL", "DFW", "LAX", "SFO"];

    [Fact]
    public async Task Concurrent_single_predictions_are_batched_and_each_gets_its_own_rows_answer()
    {
        await using var serving = await ServingHost.StartAsync(
            "--Serving:MicroBatch:MaxRows=8", "--Serving:MicroBatch:MaxWait=00:00:00.050", "--Serving:MicroBatch:Workers=1");
        await serving.PublishAsync(SnapshotFactory.Train(await TrainingExampleStream.FlightsAsync(1_000)), 1);
        await serving.WaitForVersionAsync(1);
        for (var i = 0; i < Origins.Length; i++)
            OnlineFeatures.StoreCount(serving.Host.Services.GetRequiredService<IConnectionMultiplexer>(), "origin_departures_1h", Origins[i], Watermark, 10 * (i + 1));

        // 30 requests: five origins, fresh or stale by their time, different distances.
        var requests = Enumerable.Range(0, 30).Select(i =>
            $$"""{"keys":{"origin":"{{Origins[i % Origins.Length]}}","destination":"JFK"},"fields":{"distance":{{100 + 37 * i}}},"time":"{{Watermark.AddMinutes(i % 3 == 0 ? 90 : 5):O}}"}""").ToList();
        var before = await MetricsAsync(serving);
        var singles = await Task.WhenAll(requests.Select(async request =>
        {
            using var response = await serving.PostJsonAsync($"/v1/models/{ServingHost.Model}/predict", request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        }));
        var after = await MetricsAsync(serving);

        // The same requests in one batch request (which is never micro-batched) are the reference.
        using var batchResponse = await serving.PostJsonAsync($"/v1/models/{ServingHost.Model}/predict/batch", $$"""{"requests":[{{string.Join(",", requests)}}]}""");
        var reference = JsonDocument.Parse(await batchResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("predictions").EnumerateArray().ToList();
        for (var i = 0; i < requests.Count; i++)
        {
            // ONNX Runtime may sum a row's terms in another order in a batch of another size: equal up to rounding.
            Assert.Equal(reference[i].GetProperty("score").GetDouble(), singles[i].GetProperty("score").GetDouble(), 1e-12);
            Assert.Equal(reference[i].GetProperty("features").GetRawText(), singles[i].GetProperty("features").GetRawText());
            Assert.Equal(reference[i].GetProperty("defaulted").GetRawText(), singles[i].GetProperty("defaulted").GetRawText());
        }
        Assert.Equal(30, singles.Select(s => s.GetProperty("predictionId").GetString()).Distinct().Count());

        // 30 rows went through fewer model calls than requests, none bigger than MaxRows.
        var rows = MetricsText.Sum(after, "streaming_serving_rows_per_call_sum") - MetricsText.Sum(before, "streaming_serving_rows_per_call_sum");
        var calls = MetricsText.Sum(after, "streaming_serving_rows_per_call_count") - MetricsText.Sum(before, "streaming_serving_rows_per_call_count");
        Assert.Equal(30, rows);
        Assert.InRange(calls, 4, 29);
        Assert.Equal(calls, MetricsText.Sum(after, "streaming_serving_rows_per_call_bucket", "le=\"8\"") - MetricsText.Sum(before, "streaming_serving_rows_per_call_bucket", "le=\"8\""));
    }

    [Fact]
    public async Task A_bad_request_among_batched_ones_is_answered_alone()
    {
        await using var serving = await ServingHost.StartAsync("--Serving:MicroBatch:MaxRows=8", "--Serving:MicroBatch:MaxWait=00:00:00.050");
        await serving.PublishAsync(SnapshotFactory.Train(await TrainingExampleStream.FlightsAsync(500)), 1);
        await serving.WaitForVersionAsync(1);
        var answers = await Task.WhenAll(
            Post(serving, """{"keys":{"origin":"ORD"}}"""),
            Post(serving, """{"keys":{}}"""),
            Post(serving, """{"keys":{"origin":"ATL"}}"""));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.BadRequest, HttpStatusCode.OK], answers);
    }

    private static async Task<HttpStatusCode> Post(ServingHost serving, string body)
    {
        using var response = await serving.PostJsonAsync($"/v1/models/{ServingHost.Model}/predict", body);
        return response.StatusCode;
    }

    private static Task<string> MetricsAsync(ServingHost serving) => serving.Http.GetStringAsync("/metrics");
}
