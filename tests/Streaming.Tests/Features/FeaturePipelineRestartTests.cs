using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Streaming.Contracts;
using Streaming.FeatureStore;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;
using Streaming.FeatureStore.Streams;
using Streaming.Host.Commands;
using Streaming.Host.Web;
using Streaming.Ingest.Replay;
using Streaming.Platform.Kafka;
using Streaming.Platform.Redis;
using Streaming.Tests.Support;

namespace Streaming.Tests.Features;

[Collection(PipelineCollection.Name)]
public class FeaturePipelineRestartTests
{
    private const long Rows = 8_000;

    [Fact]
    public async Task A_pipeline_stopped_midway_and_started_again_restores_its_state_and_counts_nothing_twice()
    {
        // Broker and Redis outlive the two pipeline processes, as they would in production. At least once:
        // on the embedded broker, Streamiz's exactly-once offsets do not survive a restart (the second
        // process starts over), so exactly-once is selectable but verified only against a real broker.
        using var kafka = new EmbeddedKafkaCluster();
        using var garnet = new EmbeddedGarnet();
        var settings = new TopologySettings(FlightFeatureViews.Set, TimeSpan.FromDays(3), TimeSpan.FromDays(1), Partitions: 4, WatermarkSettings.Default);
        await kafka.EnsureTopicsAsync([.. Topics.All(4), .. FeatureTopology.InternalTopics("features", settings)], CancellationToken.None);
        string[] configuration = [$"--Kafka:BootstrapServers={kafka.BootstrapServers}", $"--Redis:Configuration={garnet.Endpoint}", "--Features:Guarantee=at_least_once"];

        // The whole replay is in Kafka before the first pipeline starts, so it is mid-backlog when stopped.
        long labels;
        await using (var ingest = await RunningHost.StartAsync(HostParts.Ingest, configuration))
        {
            var summary = await ingest.Services.GetRequiredService<ReplayRunner>()
                .RunAsync(new FlightsReplaySource(DemoCommand.DefaultDataPath, Rows), null, new ReplayProgress(), CancellationToken.None);
            labels = summary.Labels;
        }

        string firstStateDirectory;
        await using (var first = await RunningHost.StartAsync(HostParts.Features, configuration))
        {
            var metrics = first.Services.GetRequiredService<FeatureMetrics>();
            var deadline = DateTime.UtcNow.AddMinutes(2);
            // Stop at the first tenth. Watched from a thread of its own: on two busy cores a thread-pool timer can
            // oversleep much of the backlog.
            await Task.Factory.StartNew(() =>
            {
                while (metrics.Aggregated.WithLabels(FlightFeatureViews.All[0].Name).Value < Rows / 10 && DateTime.UtcNow < deadline) Thread.Sleep(1);
            }, TaskCreationOptions.LongRunning);
            Assert.InRange(metrics.Aggregated.WithLabels(FlightFeatureViews.All[0].Name).Value, Rows / 10, Rows - 1); // stopped midway
            firstStateDirectory = first.Services.GetRequiredService<FeatureStoreService>().StateDirectory!;
            Assert.True(Directory.Exists(firstStateDirectory)); // its stores are open
        }
        Assert.False(Directory.Exists(firstStateDirectory)); // its own temporary state goes with it; the changelogs hold the state

        await using (var second = await RunningHost.StartAsync(HostParts.Features, configuration))
        {
            var features = second.Services.GetRequiredService<FeatureStoreService>();
            var caughtUp = await features.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
            Assert.True(caughtUp, $"state {features.State}, backlog {features.Backlog()}, probes waiting {features.ProbesWaiting()}, agg {second.Services.GetRequiredService<FeatureMetrics>().Aggregated.WithLabels(FlightFeatureViews.All[0].Name).Value}");
        }

        var redis = await ConnectionMultiplexer.ConnectAsync(garnet.Endpoint);
        foreach (var want in await FlightFeatureExpectations.ComputeAsync(DemoCommand.DefaultDataPath, Rows, FlightFeatureViews.All))
        {
            var hash = (await redis.GetDatabase().HashGetAllAsync(OnlineKeys.For(want.View, want.Entity))).ToDictionary(h => h.Name.ToString(), h => h.Value.ToString());
            Assert.Equal(want.WindowStart.ToString(CultureInfo.InvariantCulture), hash[OnlineKeys.WindowStart]);
            foreach (var (name, value) in want.Values)
                Assert.True(value == double.Parse(hash[name], CultureInfo.InvariantCulture), $"{want.View} {want.Entity} {name}: expected {value:R}, Redis has {hash[name]}");
        }
        // Each label joined once: the first process committed what it had done before it stopped.
        var examples = KafkaReader.ReadAll(kafka.BootstrapServers, Topics.TrainingExamples, (int)labels, TimeSpan.FromMinutes(1))
            .Select(r => JsonSerializer.Deserialize(r.Message.Value, ContractsJsonContext.Default.TrainingExample)!.Id).ToList();
        Assert.Equal(labels, examples.Count);
        Assert.Equal(examples.Count, examples.Distinct().Count());
    }
}
