using System.Text.Json;

namespace Streaming.Contracts;

/// <summary>
/// What a model snapshot is: announced on <see cref="Topics.ModelSnapshots"/> (keyed by model name, so the
/// compacted topic keeps each model's newest) and stored beside the weights in the model store.
/// </summary>
/// <param name="Model">Model name, e.g. "flights-delay".</param>
/// <param name="Version">Increasing per model, from 1.</param>
/// <param name="ParentVersion">The snapshot this one continued from, if any.</param>
/// <param name="CreatedAt">Wall-clock time of the snapshot.</param>
/// <param name="Algorithm">Loss and optimizer, e.g. "logistic/ftrl".</param>
/// <param name="Spec">Every hyperparameter, as the learner's spec serializes it.</param>
/// <param name="FeatureSpecHash">Fingerprint of how features are hashed: serving must hash the same way.</param>
/// <param name="Offsets">Next offset to consume per partition of <see cref="Topics.TrainingExamples"/>.</param>
/// <param name="FeatureWatermark">Latest event time learned from.</param>
/// <param name="Metrics">Progressive validation at snapshot time.</param>
/// <param name="PayloadBytes">Size of the stored weights and optimizer state.</param>
/// <param name="Candidate">True for a batch-retrained candidate rather than the online model.</param>
/// <param name="Reference">
/// What the model learned from, per numeric feature ("namespace.name") and for its own scores ("score"): the
/// reference for data-drift checks on what it is served.
/// </param>
/// <param name="StoreEpoch">
/// The model store's epoch when the snapshot was saved (see IModelStore.EpochAsync): an announcement from before the
/// store was emptied or replaced names an older epoch, and serving stops waiting for a version the store no longer has.
/// </param>
public sealed record SnapshotManifest(
    string Model,
    long Version,
    long? ParentVersion,
    DateTimeOffset CreatedAt,
    string Algorithm,
    JsonElement Spec,
    string FeatureSpecHash,
    IReadOnlyDictionary<int, long> Offsets,
    DateTimeOffset? FeatureWatermark,
    ModelMetrics Metrics,
    long PayloadBytes,
    bool Candidate = false,
    IReadOnlyDictionary<string, FeatureHistogram>? Reference = null,
    string? StoreEpoch = null);

/// <summary>Progressive metrics: since the model began, and over its recent window (NaN where not applicable).</summary>
public sealed record ModelMetrics(
    long Examples, double MeanLoss, double Accuracy, double Auc, double Mae, double Rmse,
    int WindowExamples, double WindowMeanLoss, double WindowAccuracy, double WindowAuc, double WindowMae, double WindowRmse);
