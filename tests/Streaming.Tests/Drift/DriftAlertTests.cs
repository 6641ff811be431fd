using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Contracts;
using Streaming.Drift.DataDrift;
using Streaming.Host.Web;
using Streaming.Models.Store;
using Streaming.Serving.Prediction;
using Streaming.Testing;
using Streaming.Tests.Serving;
using Streaming.Tests.Support;

namespace Streaming.Tests.Drift;

/// <summary>Drift alerts from the real learner and serving node, on embedded Kafka and Garnet.</summary>
public sealed class DriftAlertTests
{
    private static List<DriftAlert> ReadAlerts(string bootstrap, int expected) =>
        KafkaReader.ReadAll(bootstrap, Topics.DriftAlerts, expected, TimeSpan.FromSeconds(20))
            .Select(r => JsonSerializer.Deserialize(r.Message.Value, ContractsJsonContext.Default.DriftAlert)!).ToList();

    [Fact]
    public async Task The_learner_alerts_when_its_progressive_loss_rises_and_stores_a_reference_profile_with_each_snapshot()
    {
        // 20,000 flights as they are, then 10,000 whose outcome is inverted: the concept the model learned is gone.
        var examples = await TrainingExampleStream.FlightsAsync(30_000);
        var changed = examples.Select((e, i) => i < 20_000 ? e : e with { Label = e.Label > 15 ? 0 : 60 }).ToList();
        await using var host = await RunningHost.StartAsync(HostParts.Learner,
            "--Learner:Model=drift-model", "--Learner:Spec:Bits=16", "--Learner:SnapshotEveryExamples=10000");
        TrainingExamplePublisher.Publish(host.Bootstrap, changed.Select(TrainingExampleStream.Json).ToList());
        await host.LearnThenStopAsync(changed.Count);

        var opened = ReadAlerts(host.Bootstrap, 1).Where(a => a.State == DriftAlert.Open).ToList();
        Assert.NotEmpty(opened);
        Assert.All(opened, a =>
        {
            Assert.Equal("concept_drift", a.Kind);
            Assert.Equal("progressive_loss", a.Subject);
            Assert.True(a.Value > a.Threshold, $"{a.Detector}: loss {a.Value} not above {a.Threshold}");
        });
        Assert.Contains(opened, a => a.Detector == "adwin");
        Assert.Equal(opened.Count, MetricsText.Sum(await host.MetricsAsync(), "streaming_drift_alerts_total", "state=\"open\""));

        var snapshot = (await host.Services.GetRequiredService<IModelStore>().LatestAsync("drift-model", CancellationToken.None))!;
        var reference = snapshot.Manifest.Reference!;
        Assert.Contains("fields.log_distance", reference.Keys);
        Assert.Contains("score", reference.Keys);
        Assert.Equal(2_000, reference["fields.log_distance"].Total()); // the reservoir's size
    }

    [Fact]
    public async Task Serving_alerts_when_a_served_feature_moves_away_from_the_versions_reference()
    {
        await using var serving = await ServingHost.StartAsync("--Drift:CheckEvery=01:00:00", "--Drift:MinRecentValues=200", "--Drift:RecentWindow=400");
        var examples = await TrainingExampleStream.FlightsAsync(3_000);
        var model = SnapshotFactory.Train(examples);
        var profiler = new ReferenceProfiler();
        foreach (var example in examples) profiler.Add(example.Features, 0.5);
        await serving.PublishAsync(model, 1, profiler.Build());
        await serving.WaitForVersionAsync(1);
        var watcher = serving.Host.Services.GetRequiredService<DataDriftWatcher>();

        async Task Serve(int count, double distance)
        {
            for (var i = 0; i < count; i++)
            {
                using var response = await serving.PostJsonAsync($"/v1/models/{ServingHost.Model}/predict",
                    $$$"""{"keys":{"origin":"SFO"},"fields":{"distance":{{{distance + i % 50}}}}}""");
                response.EnsureSuccessStatusCode();
            }
        }
        await Serve(400, 30_000); // ten times the longest flight in the data
        var alerts = watcher.CheckAll(serving.Announcer);

        var distance = Assert.Single(alerts, a => a.Subject == "fields.log_distance");
        Assert.Equal(DriftAlert.Open, distance.State);
        Assert.Equal("data_drift", distance.Kind);
        Assert.Equal(1, distance.ModelVersion);
        Assert.True(distance.Value >= 0.2);
        Assert.DoesNotContain(watcher.CheckAll(serving.Announcer), a => a.Subject == "fields.log_distance"); // still open: no second record
        Assert.Contains(ReadAlerts(serving.Host.Bootstrap, 1), a => a.Key == distance.Key && a.State == DriftAlert.Open);
        Assert.Equal(1, MetricsText.Sum(await serving.Host.MetricsAsync(), "streaming_drift_alert_open", "subject=\"fields.log_distance\""));
    }
}
