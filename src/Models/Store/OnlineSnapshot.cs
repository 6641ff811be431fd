using System.Text.Json;
using Streaming.Contracts;
using Streaming.Learning;
using Streaming.Models.Onnx;

namespace Streaming.Models.Store;

/// <summary>
/// A snapshot of an online model as the store keeps it: the manifest (spec, feature-spec hash, watermark, progressive
/// metrics, offsets, reference profile), the learner's state and the ONNX export serving runs. Built in one place for
/// the learner and for whatever else publishes versions (tests, benchmarks).
/// </summary>
public sealed record OnlineSnapshot(SnapshotManifest Manifest, byte[] Payload, byte[] Onnx)
{
    /// <param name="version">Increasing per model from 1; the parent is the version before it.</param>
    /// <param name="offsets">Next offset to learn from per training-examples partition (empty when not learned from Kafka).</param>
    public static OnlineSnapshot Of(OnlineModel model, string name, long version, DateTimeOffset createdAt,
        IReadOnlyDictionary<int, long> offsets, IReadOnlyDictionary<string, FeatureHistogram>? reference = null)
    {
        var payload = model.SaveState();
        var manifest = new SnapshotManifest(name, version, version > 1 ? version - 1 : null, createdAt, model.Spec.Algorithm,
            JsonSerializer.SerializeToElement(model.Spec, LearningJsonContext.Default.LearnerSpec), model.Learner.Hasher.SpecHash(),
            offsets, model.Watermark, model.Metrics.Snapshot(), payload.Length, Reference: reference);
        return new OnlineSnapshot(manifest, payload, LinearModelOnnx.Export(model.Learner, name, version));
    }

    /// <summary>Saves the snapshot stamped with the store's epoch (<see cref="IModelStore.EpochAsync"/>); returns the manifest as saved, to announce.</summary>
    public async Task<SnapshotManifest> SaveAsync(IModelStore store, CancellationToken cancellationToken)
    {
        var manifest = Manifest with { StoreEpoch = await store.EpochAsync(cancellationToken) };
        await store.SaveAsync(manifest, Payload, Onnx, cancellationToken);
        return manifest;
    }
}
