using System.Globalization;
using System.Text.Json;
using Streaming.Contracts;

namespace Streaming.Models.Store;

/// <summary>
/// Snapshots as files: <c>{root}/{model}/{version}.payload</c> and <c>{version}.onnx</c>, then
/// <c>{version}.manifest.json</c>, each written to a temporary file and renamed, manifest last; a version
/// without a manifest does not exist. The serving pin is <c>{root}/{model}/pin</c>, the store's epoch <c>{root}/epoch</c>.
/// </summary>
internal sealed class DirectoryModelStore(string root) : IModelStore
{
    private string Folder(string model) => Path.Combine(root, model);
    private string File(string model, long version, string suffix) =>
        Path.Combine(Folder(model), version.ToString("D12", CultureInfo.InvariantCulture) + suffix);

    private string PinFile(string model) => Path.Combine(Folder(model), "pin");

    public async Task SaveAsync(SnapshotManifest manifest, byte[] payload, byte[] onnx, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Folder(manifest.Model));
        await WriteAtomicallyAsync(File(manifest.Model, manifest.Version, ".payload"), payload, cancellationToken);
        await WriteAtomicallyAsync(File(manifest.Model, manifest.Version, ".onnx"), onnx, cancellationToken);
        await WriteAtomicallyAsync(File(manifest.Model, manifest.Version, ".manifest.json"),
            JsonSerializer.SerializeToUtf8Bytes(manifest, ContractsJsonContext.Default.SnapshotManifest), cancellationToken);
    }

    public async Task<string> EpochAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(root, "epoch");
        if (!System.IO.File.Exists(path))
        {
            Directory.CreateDirectory(root);
            await WriteAtomicallyAsync(path, System.Text.Encoding.UTF8.GetBytes(Guid.NewGuid().ToString("N")), cancellationToken);
        }
        return (await System.IO.File.ReadAllTextAsync(path, cancellationToken)).Trim();
    }

    public async Task<StoredSnapshot?> LatestAsync(string model, CancellationToken cancellationToken) =>
        await LatestVersionAsync(model, cancellationToken) is { } latest ? await LoadAsync(model, latest, cancellationToken) : null;

    public async Task<long?> LatestVersionAsync(string model, CancellationToken cancellationToken)
    {
        var versions = await VersionsAsync(model, cancellationToken);
        return versions.Count == 0 ? null : versions[^1];
    }

    public async Task<StoredSnapshot?> LoadAsync(string model, long version, CancellationToken cancellationToken) =>
        await LoadWithAsync(model, version, ".payload", cancellationToken) is { } loaded ? new StoredSnapshot(loaded.Manifest, loaded.Bytes) : null;

    public async Task<ServableSnapshot?> LoadServableAsync(string model, long version, CancellationToken cancellationToken) =>
        await LoadWithAsync(model, version, ".onnx", cancellationToken) is { } loaded ? new ServableSnapshot(loaded.Manifest, loaded.Bytes) : null;

    private async Task<(SnapshotManifest Manifest, byte[] Bytes)?> LoadWithAsync(string model, long version, string suffix, CancellationToken cancellationToken)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize(await System.IO.File.ReadAllBytesAsync(File(model, version, ".manifest.json"), cancellationToken), ContractsJsonContext.Default.SnapshotManifest)!;
            return (manifest, await System.IO.File.ReadAllBytesAsync(File(model, version, suffix), cancellationToken));
        }
        catch (FileNotFoundException)
        {
            return null; // never written, or pruned meanwhile
        }
    }

    public async Task SetPinAsync(string model, long? version, CancellationToken cancellationToken)
    {
        if (version is { } pinned)
        {
            Directory.CreateDirectory(Folder(model));
            await WriteAtomicallyAsync(PinFile(model), System.Text.Encoding.UTF8.GetBytes(pinned.ToString(CultureInfo.InvariantCulture)), cancellationToken);
        }
        else System.IO.File.Delete(PinFile(model));
    }

    public async Task<long?> PinAsync(string model, CancellationToken cancellationToken) =>
        System.IO.File.Exists(PinFile(model))
            ? long.Parse(await System.IO.File.ReadAllTextAsync(PinFile(model), cancellationToken), CultureInfo.InvariantCulture)
            : null;

    public Task<IReadOnlyList<long>> VersionsAsync(string model, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Folder(model))) return Task.FromResult<IReadOnlyList<long>>([]);
        IReadOnlyList<long> versions = Directory.EnumerateFiles(Folder(model), "*.manifest.json")
            .Select(path => long.Parse(Path.GetFileName(path).Split('.')[0], CultureInfo.InvariantCulture))
            .Order().ToList();
        return Task.FromResult(versions);
    }

    public async Task PruneAsync(string model, int keep, CancellationToken cancellationToken)
    {
        var pin = await PinAsync(model, cancellationToken);
        var versions = await VersionsAsync(model, cancellationToken);
        foreach (var version in versions.Take(Math.Max(0, versions.Count - keep)).Where(v => v != pin))
        {
            System.IO.File.Delete(File(model, version, ".manifest.json")); // first: the version stops existing
            System.IO.File.Delete(File(model, version, ".payload"));
            System.IO.File.Delete(File(model, version, ".onnx"));
        }
    }

    private static async Task WriteAtomicallyAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.WriteThrough))
        {
            await stream.WriteAsync(bytes, cancellationToken);
        }
        System.IO.File.Move(temporary, path, overwrite: true);
    }
}
