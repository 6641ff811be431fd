using System.Globalization;
using StackExchange.Redis;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Tiles;

namespace Streaming.FeatureStore.Online;

/// <summary>
/// The tiles in Redis: each (view, entity) hash gets its partitions' parts, and its TTL is renewed with every write;
/// a flush is one MULTI/EXEC, so tiles and progress land together or not at all.
/// </summary>
public sealed class RedisTileStore(IConnectionMultiplexer redis) : ITileStore
{
    public PartitionProgress? LoadProgress(string applicationId, SourcePartition part)
    {
        var value = redis.GetDatabase().HashGet(OnlineKeys.Progress(applicationId), part.ToString());
        if (value.IsNull) return null;
        var fields = value.ToString().Split(' ');
        return new PartitionProgress(long.Parse(fields[0], CultureInfo.InvariantCulture), long.Parse(fields[1], CultureInfo.InvariantCulture));
    }

    public EntityTile? LoadTile(FeatureView view, string entity, SourcePartition part)
    {
        var value = redis.GetDatabase().HashGet(OnlineKeys.For(view.Name, entity), OnlineKeys.PartField(part));
        return value.IsNull ? null : EntityTile.Deserialize((byte[])value!);
    }

    public async Task WriteAsync(string applicationId, IReadOnlyCollection<TileWrite> tiles, IReadOnlyDictionary<SourcePartition, PartitionProgress> progress)
    {
        var transaction = redis.GetDatabase().CreateTransaction();
        var pending = new List<Task>(tiles.Count * 2 + 1);
        foreach (var write in tiles)
        {
            var key = OnlineKeys.For(write.View.Name, write.Entity);
            pending.Add(transaction.HashSetAsync(key, OnlineKeys.PartField(write.Part), write.Tile));
            pending.Add(transaction.KeyExpireAsync(key, write.View.Ttl));
        }
        if (progress.Count > 0)
            pending.Add(transaction.HashSetAsync(OnlineKeys.Progress(applicationId), progress
                .Select(p => new HashEntry(p.Key.ToString(), string.Create(CultureInfo.InvariantCulture, $"{p.Value.Offset} {p.Value.NewestMs}"))).ToArray()));
        if (!await transaction.ExecuteAsync().ConfigureAwait(false)) throw new RedisException("The tile transaction was not applied.");
        // Applied; the queued tasks complete with it (observed so none faults unobserved).
        await Task.WhenAll(pending).ConfigureAwait(false);
    }
}
