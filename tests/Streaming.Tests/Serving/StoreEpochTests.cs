using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Streaming.Platform.Redis;
using Streaming.Tests.Support;

namespace Streaming.Tests.Serving;

/// <summary>A model store that comes back empty: serving keeps its version, then takes the first one published into the new store.</summary>
public sealed class StoreEpochTests
{
    [Fact]
    public async Task After_the_store_is_emptied_serving_takes_the_next_published_version_even_when_its_number_is_lower()
    {
        await using var serving = await ServingHost.StartAsync();
        var examples = await TrainingExampleStream.FlightsAsync(600);
        for (var version = 1; version <= 3; version++)
            await serving.PublishAsync(SnapshotFactory.Train(examples.Take(version * 100)), version);
        await serving.WaitForVersionAsync(3);
        var epochBefore = await serving.Store.EpochAsync(CancellationToken.None);

        var garnet = serving.Host.Services.GetRequiredService<EmbeddedGarnet>().Endpoint;
        using (var admin = await ConnectionMultiplexer.ConnectAsync(garnet + ",allowAdmin=true"))
            await admin.GetServer(garnet).FlushAllDatabasesAsync();
        await Task.Delay(1_000); // a few polls of the empty store: it keeps answering with what it has
        Assert.Equal(3, await serving.ServedVersionAsync());

        // A learner that restarted on the empty store numbers from 1 again: v3 was announced, but in the old store.
        var republished = await serving.PublishAsync(SnapshotFactory.Train(examples.Skip(300)), 1);
        Assert.NotEqual(epochBefore, republished.StoreEpoch);
        await serving.WaitForVersionAsync(1);
    }
}
