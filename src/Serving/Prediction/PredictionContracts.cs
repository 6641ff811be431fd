using System.Text.Json.Serialization;
using Streaming.Contracts;

namespace Streaming.Serving.Prediction;

/// <summary>
/// One thing to predict: the entity keys of the event about to happen (e.g. origin, destination, route),
/// its request-time fields (e.g. distance) and its time (default: now). Unknown properties are rejected,
/// so a misspelt "keys" is an error rather than a prediction without features.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PredictionRequest(
    IReadOnlyDictionary<string, string>? Keys,
    IReadOnlyDictionary<string, FieldValue>? Fields = null,
    DateTimeOffset? Time = null);

/// <summary>Several predictions in one call (at most Serving:MaxBatch), answered in order.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record BatchPredictionRequest(IReadOnlyList<PredictionRequest>? Requests);

/// <summary>A view's values as the model used them.</summary>
/// <param name="Status">fresh, or why defaults stand in: missing, stale, unavailable, non_finite, store_unavailable.</param>
/// <param name="AgeMs">Time asked for minus the newest contribution's event time.</param>
public sealed record FeatureUse(string Status, long? AgeMs, IReadOnlyDictionary<string, double> Values);

/// <summary>
/// What was predicted, by which version, from which features. <see cref="Decision"/> is score ≥ the decision
/// threshold for classifiers and null for regression. <see cref="Defaulted"/> names the views that stood in
/// with defaults (never silent). The prediction id is what a later label should name. <see cref="ColdStart"/> is true
/// when version 0 answered: no snapshot existed yet, so the score is the untrained model's (0.5 for a classifier).
/// </summary>
public sealed record PredictionResponse(
    string PredictionId,
    string Model,
    long ModelVersion,
    double Score,
    bool? Decision,
    DateTimeOffset Time,
    IReadOnlyDictionary<string, FeatureUse> Features,
    IReadOnlyList<string> Defaulted,
    bool? ColdStart = null);

internal sealed record BatchPredictionResponse(IReadOnlyList<PredictionResponse> Predictions);

/// <summary>A served model on this node: what it answers with and how that version has done.</summary>
internal sealed record ModelStatus(
    string Model,
    long? Version,
    long? Pinned,
    long? Latest,
    IReadOnlyList<long> Stored,
    string Device,
    DateTimeOffset? LoadedAt,
    string? Algorithm,
    DateTimeOffset? FeatureWatermark,
    ModelMetrics? Metrics);

/// <summary>Body of PUT /v1/admin/models/{name}/pin.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record PinRequest(long? Version);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    // A metric with nothing to measure yet (e.g. AUC over one class) is NaN: written as "NaN", never a 500.
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(PredictionRequest))]
[JsonSerializable(typeof(BatchPredictionRequest))]
[JsonSerializable(typeof(PredictionResponse))]
[JsonSerializable(typeof(BatchPredictionResponse))]
[JsonSerializable(typeof(IReadOnlyList<ModelStatus>))]
[JsonSerializable(typeof(ModelStatus))]
[JsonSerializable(typeof(PinRequest))]
internal sealed partial class ServingJsonContext : JsonSerializerContext;
