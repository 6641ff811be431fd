using Streaming.Models.Store;
using Streaming.Serving.Inference;
using Streaming.Serving.Prediction;

namespace Streaming.Serving.Models;

/// <summary>What GET /v1/models reports: per model, the version served here beside what the store holds.</summary>
internal sealed class ModelCatalog(ModelRegistry registry, IModelStore store, ExecutionDevice device)
{
    public async Task<IReadOnlyList<ModelStatus>> AllAsync(CancellationToken cancellationToken)
    {
        var statuses = new List<ModelStatus>();
        foreach (var name in registry.Names) statuses.Add(await StatusAsync(name, cancellationToken));
        return statuses;
    }

    public async Task<ModelStatus> StatusAsync(string model, CancellationToken cancellationToken)
    {
        var served = registry.Peek(model);
        var stored = await store.VersionsAsync(model, cancellationToken);
        return new ModelStatus(model, served?.Version, await store.PinAsync(model, cancellationToken), stored.Count == 0 ? null : stored[^1], stored,
            device.Name, served?.LoadedAt, served?.Manifest.Algorithm, served?.Manifest.FeatureWatermark,
            served is { IsColdStart: false } ? served.Manifest.Metrics : null); // version 0 has learned nothing to measure
    }
}
