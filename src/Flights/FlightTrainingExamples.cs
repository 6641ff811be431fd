using System.Runtime.CompilerServices;
using System.Text.Json;
using Streaming.Contracts;
using Streaming.Ingest;

namespace Streaming.Flights;

/// <summary>
/// Training examples for the flights model from what a departure event itself carries
/// (<see cref="EventFeatures"/>: hour and day of week, origin, destination, route, log distance), without
/// streaming features; the label is the departure delay in minutes (the learner's target threshold turns
/// it into "left more than 15 minutes late"). The learner's benchmark and tests use these to exercise the
/// learner alone. Point-in-time correct by construction: nothing here postdates the event.
/// </summary>
public static class FlightTrainingExamples
{
    public static TrainingExample From(EntityEvent departure, Label delay) =>
        new(delay.Id, departure.Time, delay.Value, EventFeatures.From(departure));

    /// <summary>The examples of a flights file in the order their labels arrive (the order a learner sees them).</summary>
    public static async IAsyncEnumerable<TrainingExample> ReadAsync(string path, long? limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var unlabelled = new Dictionary<string, EntityEvent>();
        await foreach (var record in new FlightsReplaySource(path, limit).ReadAsync(cancellationToken))
        {
            if (record.Stream == IngestStream.Events)
            {
                var departure = JsonSerializer.Deserialize(record.Utf8, ContractsJsonContext.Default.EntityEvent)!;
                unlabelled[departure.Id] = departure;
                continue;
            }
            var label = JsonSerializer.Deserialize(record.Utf8, ContractsJsonContext.Default.Label)!;
            if (label.EventId is not null && unlabelled.Remove(label.EventId, out var labelled)) yield return From(labelled, label);
        }
    }
}
