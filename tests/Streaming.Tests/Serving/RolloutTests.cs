using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Contracts;
using Streaming.Host.Web;
using Streaming.Platform.Redis;
using Streaming.Tests.Support;

namespace Streaming.Tests.Serving;

/// <summary>Rollouts set through one node's admin API apply on every node: sticky A/B arms, shadows that never change an answer.</summary>
public sealed class RolloutTests
{
    private const string Challenger = "flights-delay-b";
    private const string SecondModel = "--Serving:Models:0=" + Challenger;

    private static async Task PublishBothAsync(ServingHost node)
    {
        var examples = await TrainingExampleStream.FlightsAsync(400);
        await node.PublishAsync(SnapshotFactory.Train(examples.Take(200)), 1);
        await SnapshotFactory.PublishAsync(node.Store, node.Announcer, SnapshotFactory.Train(examples.Skip(200)), Challenger, 1);
        await node.WaitForVersionAsync(1);
    }

    private static Task<HttpResponseMessage> SetRolloutAsync(ServingHost node, string json) =>
        node.Http.SendAsync(new HttpRequestMessage(HttpMethod.Put, $"/v1/admin/models/{ServingHost.Model}/rollout")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
            Headers = { { "X-Api-Key", ServingHost.AdminKey } },
        });

    private static string Predict(string origin) =>
        $$$"""{"keys":{"origin":"{{{origin}}}","destination":"LAX","route":"{{{origin}}}-LAX"},"fields":{"distance":400},"time":"2026-01-01T00:00:00Z"}""";

    private static async Task<JsonElement> PredictAsync(HttpClient http, string origin)
    {
        using var response = await http.PostAsync($"/v1/models/{ServingHost.Model}/predict", new StringContent(Predict(origin), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task An_ab_rollout_gives_each_entity_the_same_arm_on_two_nodes_and_after_a_restart()
    {
        await using var first = await ServingHost.StartAsync(SecondModel);
        await PublishBothAsync(first);
        var shared = new[]
        {
            SecondModel, "--Serving:PinPollInterval=00:00:00.200", "--Serving:WarmupCalls=2",
            "--Redis:Configuration=" + first.Host.Services.GetRequiredService<EmbeddedGarnet>().Endpoint, "--Kafka:BootstrapServers=" + first.Host.Bootstrap,
        };
        using (var set = await SetRolloutAsync(first, """{"mode":"ab","challengers":[{"model":"flights-delay-b","percent":50}],"stickyKey":"origin"}"""))
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var origins = Enumerable.Range(0, 40).Select(i => $"A{i:D2}").ToList();

        async Task<Dictionary<string, string>> ArmsAsync(HttpClient http)
        {
            var arms = new Dictionary<string, string>();
            foreach (var origin in origins) arms[origin] = (await PredictAsync(http, origin)).GetProperty("model").GetString()!;
            return arms;
        }

        var onFirst = await ArmsAsync(first.Http);
        Assert.Contains(Challenger, onFirst.Values);
        Assert.Contains(ServingHost.Model, onFirst.Values);
        foreach (var restart in new[] { 1, 2 })
        {
            await using var second = await RunningHost.StartAsync(HostParts.Serving, shared);
            await Eventually.TrueAsync(async () => (await second.Http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), $"node {restart + 1} ready");
            await Eventually.TrueAsync(async () => (await ArmsAsync(second.Http)).SequenceEqual(onFirst), TimeSpan.FromSeconds(20),
                $"node {restart + 1} routes every origin to the arm the first node does");
        }
    }

    [Fact]
    public async Task A_shadow_scores_every_request_and_logs_it_but_never_changes_the_answer()
    {
        await using var node = await ServingHost.StartAsync(SecondModel);
        await PublishBothAsync(node);
        var origins = Enumerable.Range(0, 20).Select(i => $"S{i:D2}").ToList();
        var before = new List<JsonElement>();
        foreach (var origin in origins) before.Add(await PredictAsync(node.Http, origin));

        using (var set = await SetRolloutAsync(node, """{"mode":"shadow","challengers":[{"model":"flights-delay-b"}]}"""))
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var after = new List<JsonElement>();
        foreach (var origin in origins) after.Add(await PredictAsync(node.Http, origin));

        foreach (var (was, now) in before.Zip(after))
        {
            Assert.Equal(was.GetProperty("model").GetString(), now.GetProperty("model").GetString());
            Assert.Equal(was.GetProperty("modelVersion").GetInt64(), now.GetProperty("modelVersion").GetInt64());
            Assert.Equal(was.GetProperty("score").GetDouble(), now.GetProperty("score").GetDouble());
            Assert.Equal(was.GetProperty("features").GetRawText(), now.GetProperty("features").GetRawText());
        }
        // The shadow's scores are in the logs of the second round only, beside the answer.
        var logs = KafkaReader.ReadAll(node.Host.Bootstrap, Topics.Predictions, 40, TimeSpan.FromSeconds(20))
            .Select(r => JsonSerializer.Deserialize(r.Message.Value, ContractsJsonContext.Default.PredictionLog)!).ToDictionary(l => l.PredictionId);
        Assert.All(before, p => Assert.Null(logs[p.GetProperty("predictionId").GetString()!].Shadows));
        Assert.All(after, p => Assert.Equal(Challenger, Assert.Single(logs[p.GetProperty("predictionId").GetString()!].Shadows!).Model));
        Assert.All(after, p => Assert.NotEqual(p.GetProperty("score").GetDouble(), logs[p.GetProperty("predictionId").GetString()!].Shadows![0].Score));
    }

    [Theory]
    [InlineData("""{"mode":"ab","challengers":[{"model":"not-served","percent":10}]}""", "unknown_challenger")]
    [InlineData("""{"mode":"ab","challengers":[{"model":"flights-delay-b","percent":120}]}""", "invalid_percent")]
    [InlineData("""{"mode":"sometimes","challengers":[{"model":"flights-delay-b"}]}""", "unknown_mode")]
    [InlineData("""{"mode":"canary","challengers":[{"model":"flights-delay-b"}],"steps":[5,1],"stepEvery":"00:10:00"}""", "invalid_steps")]
    [InlineData("""{"mode":"ab","challengers":[]}""", "no_challengers")]
    public async Task A_rollout_that_cannot_be_applied_is_refused_with_its_reason(string json, string reason)
    {
        await using var node = await ServingHost.StartAsync(SecondModel);
        using var response = await SetRolloutAsync(node, json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(reason, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
    }
}
