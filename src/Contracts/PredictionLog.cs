namespace Streaming.Contracts;

/// <summary>
/// What serving answered and exactly which feature values it used, published to <see cref="Topics.Predictions"/>
/// so that a later label joins by <see cref="PredictionId"/> and training sees what serving saw.
/// </summary>
public sealed record PredictionLog(
    string PredictionId,
    string Model,
    string ModelVersion,
    DateTimeOffset Time,
    IReadOnlyDictionary<string, string> Keys,
    IReadOnlyDictionary<string, double> Features,
    double Score);
