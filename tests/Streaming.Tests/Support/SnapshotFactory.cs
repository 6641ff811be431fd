using Confluent.Kafka;
using Streaming.Contracts;
using Streaming.Learning;
using Streaming.Models.Store;

namespace Streaming.Tests.Support;

/// <summary>
/// Model snapshots as the learner makes them (manifest, state, ONNX), saved to a model store and announced on
/// model-snapshots, without running the learner: serving tests publish as many versions as they need.
/// </summary>
public static class SnapshotFactory
{
    public static readonly LearnerSpec Spec = new() { Bits = 16, TargetThreshold = 15, Interactions = [["origin", "time"]] };

    /// <summary>A learner trained on <paramref name="examples"/> (different slices give different versions).</summary>
    public static OnlineModel Train(IEnumerable<TrainingExample> examples, LearnerSpec? spec = null)
    {
        var model = new OnlineModel(spec ?? Spec);
        foreach (var example in examples) model.Process(example);
        return model;
    }

    /// <summary>Saves the model as version <paramref name="version"/> and announces it, as the learner does.</summary>
    public static async Task<SnapshotManifest> PublishAsync(IModelStore store, IProducer<string?, byte[]>? announcer, OnlineModel model, string name, long version,
        IReadOnlyDictionary<string, FeatureHistogram>? reference = null)
    {
        var snapshot = OnlineSnapshot.Of(model, name, version, DateTimeOffset.UtcNow, new Dictionary<int, long>(), reference);
        var manifest = await snapshot.SaveAsync(store, CancellationToken.None);
        if (announcer is not null)
            await announcer.ProduceAsync(Topics.ModelSnapshots, SnapshotAnnouncement.For(manifest));
        return manifest;
    }
}
