using StackExchange.Redis;
using Streaming.FeatureStore.Online;
using Streaming.FeatureStore.Tiles;
using Streaming.Flights;

namespace Streaming.Tests.Support;

/// <summary>Puts feature values into a real online store the way the pipeline does: as a tile of one source partition.</summary>
public static class OnlineFeatures
{
    /// <summary>Stores <paramref name="values"/> (each at <paramref name="time"/>) as the entity's only part of the view.</summary>
    public static void Store(IConnectionMultiplexer redis, string viewName, string entity, DateTimeOffset time, params double[] values)
    {
        var view = FlightFeatureViews.Set[viewName];
        var tile = new EntityTile();
        foreach (var value in values) tile.Add(view, value, time.ToUnixTimeMilliseconds(), 0);
        new RedisTileStore(redis).WriteAsync("test", [TileWrite.Of(view, entity, new SourcePartition("events", 0), tile)], new Dictionary<SourcePartition, PartitionProgress>()).GetAwaiter().GetResult();
    }

    /// <summary>A count view's records: <paramref name="count"/> of them at the time.</summary>
    public static void StoreCount(IConnectionMultiplexer redis, string viewName, string entity, DateTimeOffset time, int count) =>
        Store(redis, viewName, entity, time, [.. Enumerable.Repeat(1.0, count)]);

    /// <summary>The newest contribution's time of every (view, entity) hash, merged as serving reads it.</summary>
    public static async Task<DateTimeOffset?> WatermarkAsync(IConnectionMultiplexer redis, string viewName, string entity) =>
        OnlineFeatureReader.Merge(FlightFeatureViews.Set[viewName], await redis.GetDatabase().HashGetAllAsync(OnlineKeys.For(viewName, entity))) is { } window
            ? DateTimeOffset.FromUnixTimeMilliseconds(window.Aggregate.MaxTimeMs)
            : null;
}
