using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;
using Streaming.Contracts;

namespace Streaming.OnlineLearner.Store;

/// <summary>
/// Snapshots in Redis: <c>model:{name}:manifest:{v}</c> (JSON), <c>model:{name}:payload:{v}</c> (bytes),
/// the sorted set <c>model:{name}:versions</c>, and <c>model:{name}:latest</c>, all written in one
/// MULTI/EXEC so that "latest" never points at a half-written snapshot.
/// </summary>
public sealed class RedisModelStore(IConnectionMultiplexer redis) : IModelStore
{
    private IDatabase Db => redis.GetDatabase();

    private static string Key(string model, string part) => $"model:{model}:{part}";
    private static string Key(string model, string part, long version) => $"model:{model}:{part}:{version.ToString(CultureInfo.InvariantCulture)}";

    public async Task SaveAsync(SnapshotManifest manifest, byte[] payload, CancellationToken cancellationToken)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.StringSetAsync(Key(manifest.Model, "payload", manifest.Version), payload);
        _ = transaction.StringSetAsync(Key(manifest.Model, "manifest", manifest.Version),
            JsonSerializer.SerializeToUtf8Bytes(manifest, ContractsJsonContext.Default.SnapshotManifest));
        _ = transaction.SortedSetAddAsync(Key(manifest.Model, "versions"), manifest.Version, manifest.Version);
        _ = transaction.StringSetAsync(Key(manifest.Model, "latest"), manifest.Version);
        if (!await transaction.ExecuteAsync().WaitAsync(cancellationToken))
            throw new InvalidOperationException($"Redis did not commit snapshot {manifest.Model} v{manifest.Version}.");
    }

    public async Task<StoredSnapshot?> LatestAsync(string model, CancellationToken cancellationToken)
    {
        var latest = await Db.StringGetAsync(Key(model, "latest")).WaitAsync(cancellationToken);
        return latest.IsNull ? null : await LoadAsync(model, (long)latest, cancellationToken);
    }

    public async Task<StoredSnapshot?> LoadAsync(string model, long version, CancellationToken cancellationToken)
    {
        var values = await Db.StringGetAsync([Key(model, "manifest", version), Key(model, "payload", version)]).WaitAsync(cancellationToken);
        if (values[0].IsNull || values[1].IsNull) return null;
        var manifest = JsonSerializer.Deserialize((byte[])values[0]!, ContractsJsonContext.Default.SnapshotManifest)!;
        return new StoredSnapshot(manifest, (byte[])values[1]!);
    }

    public async Task<IReadOnlyList<long>> VersionsAsync(string model, CancellationToken cancellationToken) =>
        (await Db.SortedSetRangeByRankAsync(Key(model, "versions")).WaitAsync(cancellationToken)).Select(v => (long)v).ToList();

    public async Task PruneAsync(string model, int keep, CancellationToken cancellationToken)
    {
        var versions = await VersionsAsync(model, cancellationToken);
        foreach (var version in versions.Take(Math.Max(0, versions.Count - keep)))
        {
            var transaction = Db.CreateTransaction();
            _ = transaction.SortedSetRemoveAsync(Key(model, "versions"), version);
            _ = transaction.KeyDeleteAsync([Key(model, "manifest", version), Key(model, "payload", version)]);
            await transaction.ExecuteAsync().WaitAsync(cancellationToken);
        }
    }
}
