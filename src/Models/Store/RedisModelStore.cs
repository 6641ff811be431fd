using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;
using Streaming.Contracts;

namespace Streaming.Models.Store;

/// <summary>
/// Snapshots in Redis: <c>model:{name}:manifest:{v}</c> (JSON), <c>model:{name}:payload:{v}</c> (bytes),
/// <c>model:{name}:onnx:{v}</c>, the sorted set <c>model:{name}:versions</c>, and <c>model:{name}:latest</c>,
/// all written in one MULTI/EXEC so that "latest" never points at a half-written snapshot; the serving pin
/// is <c>model:{name}:pin</c>, the store's epoch <c>model-store:epoch</c>.
/// </summary>
internal sealed class RedisModelStore(IConnectionMultiplexer redis) : IModelStore
{
    private IDatabase Db => redis.GetDatabase();

    private static string Key(string model, string part) => $"model:{model}:{part}";
    private static string Key(string model, string part, long version) => $"model:{model}:{part}:{version.ToString(CultureInfo.InvariantCulture)}";

    public async Task SaveAsync(SnapshotManifest manifest, byte[] payload, byte[] onnx, CancellationToken cancellationToken)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.StringSetAsync(Key(manifest.Model, "payload", manifest.Version), payload);
        _ = transaction.StringSetAsync(Key(manifest.Model, "onnx", manifest.Version), onnx);
        _ = transaction.StringSetAsync(Key(manifest.Model, "manifest", manifest.Version),
            JsonSerializer.SerializeToUtf8Bytes(manifest, ContractsJsonContext.Default.SnapshotManifest));
        _ = transaction.SortedSetAddAsync(Key(manifest.Model, "versions"), manifest.Version, manifest.Version);
        _ = transaction.StringSetAsync(Key(manifest.Model, "latest"), manifest.Version);
        if (!await transaction.ExecuteAsync().WaitAsync(cancellationToken))
            throw new InvalidOperationException($"Redis did not commit snapshot {manifest.Model} v{manifest.Version}.");
    }

    public async Task<string> EpochAsync(CancellationToken cancellationToken)
    {
        // Whoever comes first after the store was emptied creates the epoch; everyone then reads the winner's.
        await Db.StringSetAsync(EpochKey, Guid.NewGuid().ToString("N"), when: When.NotExists).WaitAsync(cancellationToken);
        return (string?)await Db.StringGetAsync(EpochKey).WaitAsync(cancellationToken) ?? throw new RedisException($"{EpochKey} vanished while it was read.");
    }

    private const string EpochKey = "model-store:epoch";

    public async Task<StoredSnapshot?> LatestAsync(string model, CancellationToken cancellationToken) =>
        await LatestVersionAsync(model, cancellationToken) is { } latest ? await LoadAsync(model, latest, cancellationToken) : null;

    public async Task<long?> LatestVersionAsync(string model, CancellationToken cancellationToken)
    {
        var latest = await Db.StringGetAsync(Key(model, "latest")).WaitAsync(cancellationToken);
        return latest.IsNull ? null : (long)latest;
    }

    public async Task<StoredSnapshot?> LoadAsync(string model, long version, CancellationToken cancellationToken) =>
        await LoadWithAsync(model, version, "payload", cancellationToken) is { } loaded ? new StoredSnapshot(loaded.Manifest, loaded.Bytes) : null;

    public async Task<ServableSnapshot?> LoadServableAsync(string model, long version, CancellationToken cancellationToken) =>
        await LoadWithAsync(model, version, "onnx", cancellationToken) is { } loaded ? new ServableSnapshot(loaded.Manifest, loaded.Bytes) : null;

    private async Task<(SnapshotManifest Manifest, byte[] Bytes)?> LoadWithAsync(string model, long version, string part, CancellationToken cancellationToken)
    {
        var values = await Db.StringGetAsync([Key(model, "manifest", version), Key(model, part, version)]).WaitAsync(cancellationToken);
        if (values[0].IsNull || values[1].IsNull) return null;
        return (JsonSerializer.Deserialize((byte[])values[0]!, ContractsJsonContext.Default.SnapshotManifest)!, (byte[])values[1]!);
    }

    public async Task SetPinAsync(string model, long? version, CancellationToken cancellationToken)
    {
        if (version is { } pinned) await Db.StringSetAsync(Key(model, "pin"), pinned).WaitAsync(cancellationToken);
        else await Db.KeyDeleteAsync(Key(model, "pin")).WaitAsync(cancellationToken);
    }

    public async Task<long?> PinAsync(string model, CancellationToken cancellationToken)
    {
        var pin = await Db.StringGetAsync(Key(model, "pin")).WaitAsync(cancellationToken);
        return pin.IsNull ? null : (long)pin;
    }

    public async Task<IReadOnlyList<long>> VersionsAsync(string model, CancellationToken cancellationToken) =>
        (await Db.SortedSetRangeByRankAsync(Key(model, "versions")).WaitAsync(cancellationToken)).Select(v => (long)v).ToList();

    public async Task PruneAsync(string model, int keep, CancellationToken cancellationToken)
    {
        var pin = await PinAsync(model, cancellationToken);
        var versions = await VersionsAsync(model, cancellationToken);
        foreach (var version in versions.Take(Math.Max(0, versions.Count - keep)).Where(v => v != pin))
        {
            var transaction = Db.CreateTransaction();
            _ = transaction.SortedSetRemoveAsync(Key(model, "versions"), version);
            _ = transaction.KeyDeleteAsync([Key(model, "manifest", version), Key(model, "payload", version), Key(model, "onnx", version)]);
            await transaction.ExecuteAsync().WaitAsync(cancellationToken);
        }
    }
}
