using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Contracts;
using Streaming.Tests.Support;

namespace Streaming.Tests.Serving;

/// <summary>The judge on a serving node: labelled shadow scores that show the challenger better promote it, under load, with no failed request.</summary>
public sealed class RolloutJudgeTests
{
    private const string Challenger = "flights-delay-b";

    [Fact]
    public async Task A_shadow_that_is_better_on_its_labels_is_promoted_with_a_decision_record_and_no_failed_request()
    {
        await using var node = await StartWithRolloutAsync("""{"mode":"shadow","challengers":[{"model":"flights-delay-b"}]}""", "--Serving:Judge:MinimumLabels=200", "--Serving:Judge:CheckEvery=100");

        // Requests all along, while the decision is taken and applied.
        var statuses = new ConcurrentQueue<HttpStatusCode>();
        var answeredBy = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await node.PostJsonAsync($"/v1/models/{ServingHost.Model}/predict", """{"keys":{"origin":"SFO"},"fields":{"distance":300}}""");
                statuses.Enqueue(response.StatusCode);
                if (response.IsSuccessStatusCode) answeredBy.Enqueue((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("model").GetString()!);
            }
        });

        // Labels whose truth is known: outcome 1 with probability q; the champion answered 1 − q, the shadow q.
        using var producer = new ProducerBuilder<string?, byte[]>(new ProducerConfig { BootstrapServers = node.Host.Bootstrap }).Build();
        var random = new Random(3);
        var n = 0;
        await Eventually.TrueAsync(async () =>
        {
            for (var i = 0; i < 100; i++, n++)
            {
                var q = 0.1 + 0.8 * random.NextDouble();
                var example = new TrainingExample($"j{n}", DateTimeOffset.UtcNow, random.NextDouble() < q ? 30 : 0,
                    new Dictionary<string, IReadOnlyDictionary<string, FieldValue>> { ["request"] = new Dictionary<string, FieldValue> { ["distance"] = FieldValue.Of(300) } },
                    $"p{n}", 1 - q, "1", ServingHost.Model, [new ShadowScore(Challenger, "1", q)]);
                producer.Produce(Topics.TrainingExamples, new Message<string?, byte[]> { Value = JsonSerializer.SerializeToUtf8Bytes(example, ContractsJsonContext.Default.TrainingExample) });
            }
            producer.Flush(TimeSpan.FromSeconds(5));
            await Task.Delay(200);
            return answeredBy.Contains(Challenger);
        }, TimeSpan.FromMinutes(1), "the challenger promoted and answering");
        await Task.Delay(500);
        await stop.CancelAsync();
        await load;

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        var decision = JsonSerializer.Deserialize(KafkaReader.ReadAll(node.Host.Bootstrap, Topics.RolloutDecisions, 1, TimeSpan.FromSeconds(20)).Single().Message.Value,
            ContractsJsonContext.Default.RolloutDecision)!;
        Assert.Equal((ServingHost.Model, Challenger, RolloutDecision.Promote, Rollout.Shadow), (decision.Model, decision.Challenger, decision.Decision, decision.Mode));
        Assert.True(decision.Z >= 3.29 && decision.ChallengerLoss < decision.ChampionLoss, decision.Reason);
        Assert.InRange(decision.Labels, 200, 2_000);
        // Per arm: the shadow scored q, the truth's own probability, so it is calibrated (mean score ≈ mean outcome); the champion's 1 − q is not better.
        var metrics = await node.Host.MetricsAsync();
        double Of(string metric, string arm) => MetricsText.Sum(metrics, metric, $"arm=\"{arm}\"");
        Assert.InRange(Of("streaming_rollout_arm_mean_score", Challenger) - Of("streaming_rollout_arm_mean_outcome", Challenger), -0.05, 0.05);
        Assert.True(Of("streaming_rollout_arm_accuracy", Challenger) > Of("streaming_rollout_arm_accuracy", ServingHost.Model));
        Assert.True(Of("streaming_rollout_arm_auc", Challenger) > Of("streaming_rollout_arm_auc", ServingHost.Model));

        // /status shows the arms' figures, their loss plot and the decision.
        var status = await node.Http.GetStringAsync("/status");
        Assert.Contains($"id=\"rollout-{ServingHost.Model}\"", status);
        Assert.Contains($"id=\"arms-{ServingHost.Model}-{Challenger}\"", status);
        Assert.Contains($"promote {Challenger}</b>", status);
    }

    [Fact]
    public async Task A_challenger_past_a_guard_rail_is_rolled_back_without_waiting_for_labels()
    {
        await using var node = await StartWithRolloutAsync("""{"mode":"ab","challengers":[{"model":"flights-delay-b","percent":50}]}""", "--Serving:Judge:GuardMinimumRequests=100");

        // Real answers from both arms, then failures of the challenger as the predictor records them (answered by the
        // champion instead): 5 % of its answers, over the 1 % guard rail.
        for (var i = 0; i < 200; i++)
        {
            using var response = await node.PostJsonAsync($"/v1/models/{ServingHost.Model}/predict", "{\"keys\":{\"origin\":\"O" + i + "\"},\"fields\":{\"distance\":300}}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var guard = node.Host.Services.GetRequiredService<Streaming.Serving.Rollouts.ArmGuard>();
        Assert.Null(guard.Breach(ServingHost.Model, Challenger));
        for (var i = 0; i < 10; i++) guard.Record(ServingHost.Model, Challenger, TimeSpan.FromMilliseconds(1), failed: true);

        var record = KafkaReader.ReadAll(node.Host.Bootstrap, Topics.RolloutDecisions, 1, TimeSpan.FromSeconds(30)).Single();
        var decision = JsonSerializer.Deserialize(record.Message.Value, ContractsJsonContext.Default.RolloutDecision)!;
        Assert.Equal((Challenger, RolloutDecision.RollBack), (decision.Challenger, decision.Decision));
        Assert.StartsWith("guard rail: flights-delay-b failed 10 of", decision.Reason);
        await Eventually.TrueAsync(async () =>
        {
            using var rollout = await node.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/v1/admin/models/{ServingHost.Model}/rollout") { Headers = { { "X-Api-Key", ServingHost.AdminKey } } });
            return rollout.StatusCode == HttpStatusCode.NoContent;
        }, TimeSpan.FromSeconds(10), "the rollout cleared once its only challenger was rolled back");
        Assert.Equal(10, MetricsText.Sum(await node.Host.MetricsAsync(), "streaming_rollout_arm_errors_total", $"arm=\"{Challenger}\""));
    }

    [Fact]
    public async Task A_challenger_whose_served_loss_drifts_up_alone_is_rolled_back()
    {
        await using var node = await StartWithRolloutAsync("""{"mode":"ab","challengers":[{"model":"flights-delay-b","percent":50}]}""");

        // The learner of the challenger opens a concept-drift alert on its served loss; the champion's has none.
        var now = DateTimeOffset.UtcNow;
        var alert = new DriftAlert($"concept_drift/{Challenger}/served_loss/adwin", DriftAlert.Open, "concept_drift", Challenger, 1, "served_loss", "adwin",
            0.61, 0.48, "last 4096 examples", now, now, "roll back");
        using (var producer = new ProducerBuilder<string?, byte[]>(new ProducerConfig { BootstrapServers = node.Host.Bootstrap }).Build())
        {
            producer.Produce(Topics.DriftAlerts, new Message<string?, byte[]> { Key = alert.Key, Value = JsonSerializer.SerializeToUtf8Bytes(alert, ContractsJsonContext.Default.DriftAlert) });
            producer.Flush(TimeSpan.FromSeconds(10));
        }

        var decision = JsonSerializer.Deserialize(KafkaReader.ReadAll(node.Host.Bootstrap, Topics.RolloutDecisions, 1, TimeSpan.FromSeconds(30)).Single().Message.Value,
            ContractsJsonContext.Default.RolloutDecision)!;
        Assert.Equal((Challenger, RolloutDecision.RollBack), (decision.Challenger, decision.Decision));
        Assert.Contains("the served loss of flights-delay-b drifted up", decision.Reason);
    }

    /// <summary>A node serving the champion and <see cref="Challenger"/>, each at version 1, under the rollout given.</summary>
    private static async Task<ServingHost> StartWithRolloutAsync(string rollout, params string[] settings)
    {
        var node = await ServingHost.StartAsync(["--Serving:Models:0=" + Challenger, .. settings]);
        var examples = await TrainingExampleStream.FlightsAsync(400);
        await node.PublishAsync(SnapshotFactory.Train(examples.Take(200)), 1);
        await SnapshotFactory.PublishAsync(node.Store, node.Announcer, SnapshotFactory.Train(examples.Skip(200)), Challenger, 1);
        await node.WaitForVersionAsync(1);
        using var set = await node.Http.SendAsync(new HttpRequestMessage(HttpMethod.Put, $"/v1/admin/models/{ServingHost.Model}/rollout")
        {
            Content = new StringContent(rollout, System.Text.Encoding.UTF8, "application/json"),
            Headers = { { "X-Api-Key", ServingHost.AdminKey } },
        });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        return node;
    }
}
