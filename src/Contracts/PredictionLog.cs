namespace Streaming.Contracts;

/// <summary>
/// What serving answered and exactly which feature values it used, published to <see cref="Topics.Predictions"/>
/// so that a later label joins by <see cref="PredictionId"/> and training sees what serving saw.
/// <see cref="Features"/> has the shape of <see cref="TrainingExample.Features"/> (namespace → name → value).
/// <see cref="Model"/> is the model that answered: under a rollout, the arm the request was routed to.
/// </summary>
/// <param name="Shadows">What each shadow challenger of a rollout scored for the same input (never returned to the caller).</param>
public sealed record PredictionLog(
    string PredictionId,
    string Model,
    string ModelVersion,
    DateTimeOffset Time,
    IReadOnlyDictionary<string, string> Keys,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, FieldValue>> Features,
    double Score,
    IReadOnlyList<ShadowScore>? Shadows = null);

/// <summary>A shadow challenger's score for a logged prediction: judged on the same label as the answer.</summary>
public sealed record ShadowScore(string Model, string Version, double Score);
