using Streaming.Contracts;

namespace Streaming.OnlineLearner.Store;

/// <summary>A stored snapshot: its manifest and its payload (weights and optimizer state).</summary>
public sealed record StoredSnapshot(SnapshotManifest Manifest, byte[] Payload);

/// <summary>
/// Where snapshots live. Saving is atomic: a reader sees a snapshot whole or not at all, so a learner
/// killed mid-save resumes from the previous one.
/// </summary>
public interface IModelStore
{
    Task SaveAsync(SnapshotManifest manifest, byte[] payload, CancellationToken cancellationToken);

    /// <summary>The newest complete snapshot of a model, or null when it has none.</summary>
    Task<StoredSnapshot?> LatestAsync(string model, CancellationToken cancellationToken);

    Task<StoredSnapshot?> LoadAsync(string model, long version, CancellationToken cancellationToken);

    /// <summary>Stored versions, oldest first.</summary>
    Task<IReadOnlyList<long>> VersionsAsync(string model, CancellationToken cancellationToken);

    /// <summary>Deletes all but the newest <paramref name="keep"/> versions.</summary>
    Task PruneAsync(string model, int keep, CancellationToken cancellationToken);
}
