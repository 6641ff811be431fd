using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Streaming.FeatureStore;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;
using Streaming.Host.Commands;
using Streaming.Host.Web;
using Streaming.Ingest.Replay;
using Streaming.Tests.Support;

namespace Streaming.Tests.Features;

[Collection(PipelineCollection.Name)]
public class OnlineStoreIntegrationTests
{
    private const long Rows = 20_000;

    [Fact]
    public async Task Replaying_flights_leaves_exactly_the_directly_computed_features_in_Redis()
    {
        await using var host = await RunningHost.StartAsync(HostParts.Ingest | HostParts.Features);
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
        foreach (var want in expected)
        {
            var hash = (await database.HashGetAllAsync(OnlineKeys.For(want.View, want.Entity))).ToDictionary(h => h.Name.ToString(), h => h.Value.ToString());
            Assert.Equal(want.WindowStart.ToString(CultureInfo.InvariantCulture), hash[OnlineKeys.WindowStart]);
            Assert.Equal(want.Watermark.ToString(CultureInfo.InvariantCulture), hash[OnlineKeys.Watermark]);
            foreach (var (name, value) in want.Values)
                Assert.True(value == double.Parse(hash[name], CultureInfo.InvariantCulture), $"{want.View} {want.Entity} {name}: expected {value:R}, Redis has {hash[name]}");
        }
    }
}
