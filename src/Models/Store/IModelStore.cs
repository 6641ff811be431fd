using Streaming.Contracts;

namespace Streaming.Models.Store;

/// <summary>A stored snapshot: its manifest and its payload (weights and optimizer state).</summary>
public sealed record StoredSnapshot(SnapshotManifest Manifest, byte[] Payload);

/// <summary>What serving loads of a snapshot: its manifest and its ONNX model (not the optimizer state).</summary>
public sealed record ServableSnapshot(SnapshotManifest Manifest, byte[] Onnx);

/// <summary>
/// Where snapshots live. Saving is atomic: a reader sees a snapshot whole or not at all, so a learner
/// killed mid-save resumes from the previous one.
/// </summary>
public interface IModelStore
{
    /// <param name="onnx">The model as ONNX (<see cref="Onnx.LinearModelOnnx"/>), what serving runs.</param>
    Task SaveAsync(SnapshotManifest manifest, byte[] payload, byte[] onnx, CancellationToken cancellationToken);

    /// <summary>The newest complete snapshot of a model, or null when it has none.</summary>
    Task<StoredSnapshot?> LatestAsync(string model, CancellationToken cancellationToken);

    Task<StoredSnapshot?> LoadAsync(string model, long version, CancellationToken cancellationToken);

    /// <summary>A version's manifest and ONNX model, or null when it does not exist (or was pruned).</summary>
    Task<ServableSnapshot?> LoadServableAsync(string model, long version, CancellationToken cancellationToken);

    /// <summary>The newest version, or null when the model has none.</summary>
    Task<long?> LatestVersionAsync(string model, CancellationToken cancellationToken);

    /// <summary>
    /// Pins serving to <paramref name="version"/> (a rollback is a pin to an earlier version), or unpins with
    /// null so serving follows the newest again. Shared by every serving node; a pinned version is never pruned.
    /// </summary>
    Task SetPinAsync(string model, long? version, CancellationToken cancellationToken);

    Task<long?> PinAsync(string model, CancellationToken cancellationToken);

    /// <summary>Stored versions, oldest first.</summary>
    Task<IReadOnlyList<long>> VersionsAsync(string model, CancellationToken cancellationToken);

    /// <summary>
    /// The store's identity: created on first use and kept with its data, so a store that was emptied (a Redis
    /// restarted without persistence, FLUSHALL) or replaced answers with a new one. Snapshots carry it
    /// (<see cref="SnapshotManifest.StoreEpoch"/>); serving forgets versions announced under an older one.
    /// </summary>
    Task<string> EpochAsync(CancellationToken cancellationToken);

    /// <summary>Deletes all but the newest <paramref name="keep"/> versions, and never the pinned one.</summary>
    Task PruneAsync(string model, int keep, CancellationToken cancellationToken);
}
