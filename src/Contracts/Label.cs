using System.Text.Json.Serialization;

namespace Streaming.Contracts;

/// <summary>
/// A late-arriving outcome for an earlier event or prediction: <see cref="PredictionId"/>, <see cref="EventId"/> or
/// both name what it labels. Online learning needs the prediction id: the training example is the logged prediction's
/// features with this label; a label that names only an event feeds label-based features and the offline backfill. For flights: the departure delay in minutes, known
/// once the flight has landed; the learner derives "left more than 15 minutes late" from it.
/// </summary>
/// <param name="Id">Unique id of the label itself.</param>
/// <param name="Name">What is measured, e.g. "departure_delay_minutes".</param>
/// <param name="Value">The outcome, a finite number.</param>
/// <param name="Time">When the outcome became known (its own time, after the event's).</param>
/// <param name="EventId">The labelled event, when labelling an event.</param>
/// <param name="PredictionId">The labelled prediction, when labelling a logged prediction.</param>
/// <param name="Keys">The labelled event's entity keys, so label-based features need no join.</param>
/// <param name="EventTime">The labelled event's time, for point-in-time joins.</param>
public sealed record Label(
    string Id,
    string Name,
    double Value,
    DateTimeOffset Time,
    string? EventId = null,
    string? PredictionId = null,
    IReadOnlyDictionary<string, string>? Keys = null,
    DateTimeOffset? EventTime = null)
{
    /// <summary>
    /// Keyed by the prediction it labels, so it lands in the partition of that prediction's log (keyed by prediction id
    /// too) and the two meet without a repartition; otherwise co-partitioned with the labelled event when keys are
    /// known, else keyed by what it labels.
    /// </summary>
    [JsonIgnore]
    public string PartitionKey => PartitionKeyFor(Keys, EventId, PredictionId, Id);

    public static string PartitionKeyFor(IReadOnlyDictionary<string, string>? keys, string? eventId, string? predictionId, string id) =>
        predictionId ?? (keys is { Count: > 0 } ? EntityKey.Canonical(keys) : (eventId ?? id));
}
