using System.Collections.Concurrent;
using Streaming.Contracts;

namespace Streaming.Serving.Status;

/// <summary>Every version of each model this node has heard of (announced or loaded), newest 500: the status page's loss-over-time plot.</summary>
internal sealed class VersionHistory
{
    private const int Keep = 500;
    private readonly ConcurrentDictionary<string, SortedList<long, SnapshotManifest>> _byModel = new(StringComparer.Ordinal);

    public void Record(SnapshotManifest manifest)
    {
        var versions = _byModel.GetOrAdd(manifest.Model, _ => []);
        lock (versions)
        {
            versions[manifest.Version] = manifest;
            while (versions.Count > Keep) versions.RemoveAt(0);
        }
    }

    public IReadOnlyList<SnapshotManifest> For(string model)
    {
        if (!_byModel.TryGetValue(model, out var versions)) return [];
        lock (versions) return [.. versions.Values];
    }
}
