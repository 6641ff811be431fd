using Microsoft.Extensions.DependencyInjection;
using Parquet.Serialization;
using StackExchange.Redis;
using Streaming.FeatureStore;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;
using Streaming.FeatureStore.Streams;
using Streaming.Flights;
using Streaming.Host.Commands;
using Streaming.Host.Web;
using Streaming.Ingest.Replay;
using Streaming.Offline.Backfill;
using Streaming.Offline.Lake;
using Streaming.Tests.Support;

namespace Streaming.Tests.Features;

[Collection(PipelineCollection.Name)]
public class OnlineStoreIntegrationTests
{
    private const long Rows = 20_000;

    [Fact]
    public async Task Replaying_flights_leaves_exactly_the_directly_computed_features_in_Redis_and_the_backfill_from_the_lake_agrees()
    {
        var lake = Directory.CreateTempSubdirectory("lake-").FullName;
        await using var host = await RunningHost.StartAsync(HostParts.Ingest | HostParts.Features | HostParts.Lake,
            "--Lake:Directory=" + lake, "--Lake:FlushEvery=00:00:01");
        var summary = await host.Services.GetRequiredService<ReplayRunner>()
            .RunAsync(new FlightsReplaySource(DemoCommand.DefaultDataPath, Rows), null, new ReplayProgress(), CancellationToken.None);
        Assert.Equal(0, summary.Failed);
        Assert.True(await host.Services.GetRequiredService<FeatureStoreService>().WaitUntilCaughtUpAsync(TimeSpan.FromMinutes(3), CancellationToken.None));

        var expected = await FlightFeatureExpectations.ComputeAsync(DemoCommand.DefaultDataPath, Rows, FlightFeatureViews.All);
        var metrics = host.Services.GetRequiredService<FeatureMetrics>();
        Assert.All(FlightFeatureViews.All, view => Assert.Equal(0, metrics.LateRecords.WithLabels(view.Name).Value));
        var redis = host.Services.GetRequiredService<IConnectionMultiplexer>();
        var database = redis.GetDatabase();
        var keys = redis.GetServers().Single().Keys(pattern: "features:*", pageSize: 1000).Select(k => k.ToString()).ToHashSet();
        Assert.Equal(expected.Select(e => OnlineKeys.For(e.View, e.Entity)).ToHashSet(), keys);
        // Exactly, sums included: every value aggregated here is an integer (counts, minutes, miles), so sums of them are
        // exact in doubles whatever the order the parts and panes are merged in, and so are means and deviations from them.
        foreach (var want in expected)
        {
            var view = FlightFeatureViews.Set[want.View];
            var window = OnlineFeatureReader.Merge(view, await database.HashGetAllAsync(OnlineKeys.For(want.View, want.Entity)))!;
            Assert.Equal(want.WindowStart, window.StartMs);
            Assert.Equal(want.Watermark, window.Aggregate.MaxTimeMs);
            foreach (var (name, value) in want.Values)
            {
                var stored = window.Aggregate.Value(view.Aggregations.Single(a => a.Name() == name));
                Assert.True(value == stored, $"{want.View} {want.Entity} {name}: expected {value:R}, Redis has {stored:R}");
            }
        }

        // The offline path: the lake archived every record; recomputing the views from it with the same definitions
        // and aggregation code gives exactly what streaming left in Redis.
        var store = new LakeStore(lake);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (store.Commits().Sum(c => c.Rows) < summary.Events + summary.Labels && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.Equal(summary.Events + summary.Labels, store.Commits().Sum(c => c.Rows));
        var run = new BackfillRun(FlightFeatureViews.Set, TimeSpan.FromDays(3));
        var trainingSet = Path.Combine(lake, "training-set.parquet");
        await run.RunAsync(HistorySource.FromLakeAsync(store, DateTime.MinValue, DateTime.MaxValue), trainingSet, CancellationToken.None);
        Assert.Equal(summary.Events + summary.Labels, run.Features.Records);
        var parity = await ParityReport.CompareOnlineAsync(redis, run.Features.Latest());
        Assert.Equal(keys.Count, parity.Compared);
        Assert.True(parity.Mismatches.Count == 0, string.Join("\n", parity.Mismatches.Take(20)));

        // The training set: one point-in-time example per label (these labels name their events).
        var backfilled = (await ParquetSerializer.DeserializeAsync<TrainingSetRow>(trainingSet)).Data;
        Assert.Equal(summary.Labels, backfilled.Count);
        Assert.Equal(summary.Labels, backfilled.Select(r => r.id).Distinct().Count());

        Directory.Delete(lake, recursive: true);
    }
}
