using System.Collections.Concurrent;
using System.Text.Json;
using Streaming.Contracts;
using Streaming.Learning;
using Streaming.Learning.Hashing;
using Streaming.Serving.Inference;

namespace Streaming.Serving.Models;

/// <summary>
/// One loaded model version: its manifest, its ONNX Runtime session and the hashing its features need.
/// Reference-counted: the registry holds one reference while the version is current and every request
/// holds one while it runs, so a swapped-out version is disposed only after its last request finishes.
/// </summary>
public sealed class ServedModel
{
    // Per-thread hashers shared by every version with the same hashing spec: a hasher caches the hashes of the
    // names and values it has seen, and a swap every second must not start those caches cold.
    private static readonly ConcurrentDictionary<string, ThreadLocal<FeatureHasher>> HashersBySpec = new(StringComparer.Ordinal);
    private readonly ThreadLocal<FeatureHasher> _hashers;
    private int _references = 1;

    public ServedModel(SnapshotManifest manifest, OnnxLinearScorer scorer, DateTimeOffset loadedAt)
    {
        Manifest = manifest;
        Scorer = scorer;
        LoadedAt = loadedAt;
        Spec = manifest.Spec.Deserialize(LearningJsonContext.Default.LearnerSpec)
            ?? throw new InvalidDataException($"Snapshot {manifest.Model} v{manifest.Version} has no learner spec.");
        IsClassification = Learning.Losses.Losses.Create(Spec.Loss, Spec.HuberDelta).IsClassification;
        var specHash = FeatureHasher.For(Spec).SpecHash();
        if (specHash != manifest.FeatureSpecHash)
            throw new InvalidDataException(
                $"Snapshot {manifest.Model} v{manifest.Version} was hashed with feature spec {manifest.FeatureSpecHash}, this build hashes its spec as {specHash}: serving it would score garbage.");
        var spec = Spec;
        _hashers = HashersBySpec.GetOrAdd(specHash, _ => new ThreadLocal<FeatureHasher>(() => FeatureHasher.For(spec)));
    }

    public SnapshotManifest Manifest { get; }
    public long Version => Manifest.Version;
    public OnnxLinearScorer Scorer { get; }
    public LearnerSpec Spec { get; }
    public bool IsClassification { get; }
    public DateTimeOffset LoadedAt { get; }

    /// <summary>Version 0: the configured spec with zero weights, served until the learner's first snapshot.</summary>
    public bool IsColdStart => Version == 0;

    /// <summary>This thread's feature hasher (a hasher caches hashes and is not thread-safe).</summary>
    public FeatureHasher Hasher => _hashers.Value!;

    /// <summary>Takes a reference unless the version has already been released for good.</summary>
    public bool TryAcquire()
    {
        var references = Volatile.Read(ref _references);
        while (references > 0)
        {
            var seen = Interlocked.CompareExchange(ref _references, references + 1, references);
            if (seen == references) return true;
            references = seen;
        }
        return false;
    }

    /// <summary>Drops a reference; the last one disposes the session.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0) return;
        Scorer.Dispose();
        Disposed = true;
    }

    /// <summary>True once the last reference is gone (what tests check after a swap drains).</summary>
    public bool Disposed { get; private set; }
}

/// <summary>A request's hold on a model version; disposing it releases the version.</summary>
public readonly struct ModelLease(ServedModel model) : IDisposable
{
    public ServedModel Model { get; } = model;

    public void Dispose() => Model.Release();
}
