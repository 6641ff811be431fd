using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Streaming.Contracts;
using Streaming.FeatureStore.Training;
using Streaming.Flights;
using Streaming.Learning.Hashing;
using Streaming.Serving;
using Streaming.Tests.Support;

namespace Streaming.Tests.Serving;

/// <summary>Predictions through the real HTTP API: online features, scores, flags and the prediction log.</summary>
public sealed class PredictionApiTests
{
    private static readonly DateTimeOffset Watermark = new(2001, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_prediction_uses_the_online_features_flags_defaults_matches_the_model_and_is_logged()
    {
        await using var serving = await ServingHost.StartAsync();
        var model = SnapshotFactory.Train(await TrainingExampleStream.FlightsAsync(3_000));
        await serving.PublishAsync(model, 1);
        await serving.WaitForVersionAsync(1);

        // The origin's departures view holds a fresh window; the other views have nothing for these entities.
        OnlineFeatures.StoreCount(serving.Host.Services.GetRequiredService<IConnectionMultiplexer>(), "origin_departures_1h", "SFO", Watermark, 17);
        var asOf = Watermark.AddMinutes(10);
        var keys = new Dictionary<string, string> { ["origin"] = "SFO", ["destination"] = "LAX", ["route"] = "SFO-LAX" };
        var request = $$"""{"keys":{"origin":"SFO","destination":"LAX","route":"SFO-LAX"},"fields":{"distance":337},"time":"{{asOf:O}}"}""";

        using var response = await serving.PostJsonAsync($"/v1/models/{ServingHost.Model}/predict", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(1, body.GetProperty("modelVersion").GetInt64());
        var features = body.GetProperty("features");
        var origin = features.GetProperty("origin_departures_1h");
        Assert.Equal(SnapshotStatus.Fresh, origin.GetProperty("status").GetString());
        Assert.Equal(600_000, origin.GetProperty("ageMs").GetInt64());
        Assert.Equal(17, origin.GetProperty("values").GetProperty("count").GetDouble());
        Assert.Equal(SnapshotStatus.Missing, features.GetProperty("route_delay_24h").GetProperty("status").GetString());
        Assert.Equal(["origin_landed_delay_2h", "route_delay_24h", "destination_inbound_1h"], // in the feature set's order
            body.GetProperty("defaulted").EnumerateArray().Select(v => v.GetString()!));

        // The score is the learner's own prediction on the same composed input.
        var views = FlightFeatureViews.All.Select(view => view.Name == "origin_departures_1h"
            ? new ViewSnapshot(view.Name, "SFO", new Dictionary<string, double> { ["count"] = 17 }, SnapshotStatus.Fresh, 600_000)
            : ViewSnapshot.Defaults(view, keys[view.Entity], SnapshotStatus.Missing, null));
        var input = ExampleFeatures.Compose(new EntityEvent("x", FlightFeatureViews.DepartureType, asOf, keys, new Dictionary<string, FieldValue> { ["distance"] = 337 }), views);
        var row = new SparseVector();
        model.Learner.Hasher.Hash(input, row);
        var score = body.GetProperty("score").GetDouble();
        Assert.Equal(model.Learner.Predict(row), score, 1e-9);
        Assert.Equal(score >= 0.5, body.GetProperty("decision").GetBoolean());

        // The log carries exactly what was used, under the prediction id.
        var id = body.GetProperty("predictionId").GetString()!;
        var logged = KafkaReader.ReadAll(serving.Host.Bootstrap, Topics.Predictions, 1, TimeSpan.FromSeconds(20))
            .Select(r => JsonSerializer.Deserialize(r.Message.Value, ContractsJsonContext.Default.PredictionLog)!)
            .Single();
        Assert.Equal(id, logged.PredictionId);
        Assert.Equal("1", logged.ModelVersion);
        Assert.Equal(asOf, logged.Time);
        Assert.Equal(score, logged.Score);
        Assert.Equal(keys, logged.Keys);
        Assert.Equal(Flatten(input), Flatten(logged.Features));
    }

    [Fact]
    public async Task A_batch_is_answered_in_order_and_a_stale_view_is_defaulted_and_flagged()
    {
        await using var serving = await ServingHost.StartAsync();
        await serving.PublishAsync(SnapshotFactory.Train(await TrainingExampleStream.FlightsAsync(1_000)), 1);
        await serving.WaitForVersionAsync(1);
        OnlineFeatures.StoreCount(serving.Host.Services.GetRequiredService<IConnectionMultiplexer>(), "origin_departures_1h", "ORD", Watermark, 40);

        string Request(string origin, DateTimeOffset time) => $$"""{"keys":{"origin":"{{origin}}"},"time":"{{time:O}}"}""";
        var batch = $$"""{"requests":[{{Request("ORD", Watermark.AddMinutes(5))}},{{Request("ORD", Watermark.AddHours(2))}},{{Request("ATL", Watermark)}}]}""";
        using var response = await serving.PostJsonAsync($"/v1/models/{ServingHost.Model}/predict/batch", batch);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var predictions = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("predictions").EnumerateArray().ToList();
        Assert.Equal(3, predictions.Count);
        string Status(JsonElement p) => p.GetProperty("features").GetProperty("origin_departures_1h").GetProperty("status").GetString()!;
        Assert.Equal([SnapshotStatus.Fresh, SnapshotStatus.Stale, SnapshotStatus.Missing], predictions.Select(Status));
        Assert.Equal(40, predictions[0].GetProperty("features").GetProperty("origin_departures_1h").GetProperty("values").GetProperty("count").GetDouble());
        Assert.Equal(0, predictions[1].GetProperty("features").GetProperty("origin_departures_1h").GetProperty("values").GetProperty("count").GetDouble());
        Assert.Contains("origin_departures_1h", predictions[1].GetProperty("defaulted").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(3, predictions.Select(p => p.GetProperty("predictionId").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task Before_the_first_snapshot_version_0_answers_flagged_as_a_cold_start()
    {
        await using var serving = await ServingHost.StartAsync();
        await serving.WaitForVersionAsync(0);
        using var response = await serving.PostJsonAsync($"/v1/models/{ServingHost.Model}/predict", """{"keys":{"origin":"SFO"}}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(0, body.GetProperty("modelVersion").GetInt64());
        Assert.True(body.GetProperty("coldStart").GetBoolean());
        Assert.Equal(0.5, body.GetProperty("score").GetDouble(), 12); // zero weights: the logistic of 0
        var metrics = serving.Host.Services.GetRequiredService<ServingMetrics>();
        Assert.Equal(1, metrics.ColdStartPredictions.WithLabels(ServingHost.Model).Value);
        // The first snapshot replaces it, and its answers are no longer flagged.
        await serving.PublishAsync(SnapshotFactory.Train(await TrainingExampleStream.FlightsAsync(500)), 1);
        await serving.WaitForVersionAsync(1);
        using var trained = await serving.PostJsonAsync($"/v1/models/{ServingHost.Model}/predict", """{"keys":{"origin":"SFO"}}""");
        Assert.False(JsonDocument.Parse(await trained.Content.ReadAsStringAsync()).RootElement.TryGetProperty("coldStart", out _));
    }

    [Fact]
    public async Task Without_cold_start_predictions_answer_503_until_a_version_is_loaded_and_the_node_is_not_ready()
    {
        await using var serving = await ServingHost.StartAsync("--Serving:ColdStart=false");
        using var response = await serving.PostJsonAsync($"/v1/models/{ServingHost.Model}/predict", """{"keys":{"origin":"SFO"}}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("model_not_loaded", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("reason").GetString());
        using var ready = await serving.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("no version loaded yet of flights-delay", await ready.Content.ReadAsStringAsync());
    }

    private static SortedDictionary<string, string> Flatten(IReadOnlyDictionary<string, IReadOnlyDictionary<string, FieldValue>> features) =>
        new(features.SelectMany(ns => ns.Value.Select(f => KeyValuePair.Create($"{ns.Key}.{f.Key}", f.Value.ToString()))).ToDictionary(), StringComparer.Ordinal);
}
