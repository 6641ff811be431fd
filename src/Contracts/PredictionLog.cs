namespace Streaming.Contracts;

/// <summary>
/// What serving answered and exactly which feature values it used, published to <see cref="Topics.Predictions"/>
/// so that a later label joins by <see cref="PredictionId"/> and training sees what serving saw.
/// <see cref="Features"/> has the shape of <see cref="TrainingExample.Features"/> (namespace → name → value).
/// </summary>
public sealed record PredictionLog(
    string PredictionId,
    string Model,
    string ModelVersion,
    DateTimeOffset Time,
    IReadOnlyDictionary<string, string> Keys,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, FieldValue>> Features,
    double Score);
