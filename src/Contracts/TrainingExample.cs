namespace Streaming.Contracts;

/// <summary>
/// A labelled example for the learner, on <see cref="Topics.TrainingExamples"/>: the label joined with
/// the features as they were when the prediction was made (or as of the event's time).
/// </summary>
/// <param name="Id">Unique id (the label's).</param>
/// <param name="Time">The labelled event's time: the point in time the features describe.</param>
/// <param name="Label">The raw label value (e.g. delay minutes); the learner's target spec turns it into its target. Null: missing (rejected).</param>
/// <param name="Features">Namespace → feature name → value: numbers are numeric features, strings categorical, booleans 0/1.</param>
/// <param name="PredictionId">The logged prediction this example reproduces, when there was one.</param>
/// <param name="ServedScore">What serving answered for that prediction: with the label, the served model's own loss.</param>
/// <param name="ServedVersion">The model version that answered it.</param>
/// <param name="ServedModel">The model that answered it (under a rollout, the arm).</param>
/// <param name="Shadows">What shadow challengers scored for it.</param>
public sealed record TrainingExample(
    string Id,
    DateTimeOffset Time,
    double? Label,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, FieldValue>> Features,
    string? PredictionId = null,
    double? ServedScore = null,
    string? ServedVersion = null,
    string? ServedModel = null,
    IReadOnlyList<ShadowScore>? Shadows = null);
