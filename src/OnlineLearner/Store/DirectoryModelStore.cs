using System.Globalization;
using System.Text.Json;
using Streaming.Contracts;

namespace Streaming.OnlineLearner.Store;

/// <summary>
/// Snapshots as files: <c>{root}/{model}/{version}.payload</c> then <c>{version}.manifest.json</c>, each
/// written to a temporary file and renamed, manifest last; a version without a manifest does not exist.
/// </summary>
public sealed class DirectoryModelStore(string root) : IModelStore
{
    private string Folder(string model) => Path.Combine(root, model);
    private string File(string model, long version, string suffix) =>
        Path.Combine(Folder(model), version.ToString("D12", CultureInfo.InvariantCulture) + suffix);

    public async Task SaveAsync(SnapshotManifest manifest, byte[] payload, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Folder(manifest.Model));
        await WriteAtomicallyAsync(File(manifest.Model, manifest.Version, ".payload"), payload, cancellationToken);
        await WriteAtomicallyAsync(File(manifest.Model, manifest.Version, ".manifest.json"),
            JsonSerializer.SerializeToUtf8Bytes(manifest, ContractsJsonContext.Default.SnapshotManifest), cancellationToken);
    }

    public async Task<StoredSnapshot?> LatestAsync(string model, CancellationToken cancellationToken)
    {
        var versions = await VersionsAsync(model, cancellationToken);
        return versions.Count == 0 ? null : await LoadAsync(model, versions[^1], cancellationToken);
    }

    public async Task<StoredSnapshot?> LoadAsync(string model, long version, CancellationToken cancellationToken)
    {
        var manifestPath = File(model, version, ".manifest.json");
        if (!System.IO.File.Exists(manifestPath)) return null;
        var manifest = JsonSerializer.Deserialize(await System.IO.File.ReadAllBytesAsync(manifestPath, cancellationToken), ContractsJsonContext.Default.SnapshotManifest)!;
        return new StoredSnapshot(manifest, await System.IO.File.ReadAllBytesAsync(File(model, version, ".payload"), cancellationToken));
    }

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
        var versions = await VersionsAsync(model, cancellationToken);
        foreach (var version in versions.Take(Math.Max(0, versions.Count - keep)))
        {
            System.IO.File.Delete(File(model, version, ".manifest.json")); // first: the version stops existing
            System.IO.File.Delete(File(model, version, ".payload"));
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
