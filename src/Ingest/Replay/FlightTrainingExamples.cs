using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Streaming.Contracts;

namespace Streaming.Ingest.Replay;

/// <summary>
/// Training examples for the flights model from what a departure event itself carries: hour and day of
/// week of the scheduled departure, origin, destination, route and log distance, each in its own
/// namespace; the label is the departure delay in minutes (the learner's target threshold turns it into
/// "left more than 15 minutes late"). Used where no streaming features exist yet: the learner benchmark,
/// the crash test and the demo. Point-in-time correct by construction: nothing here postdates the event.
/// </summary>
public static class FlightTrainingExamples
{
    public static TrainingExample From(EntityEvent departure, Label delay) =>
        new(delay.Id, departure.Time, delay.Value, Features(departure));

    public static Dictionary<string, IReadOnlyDictionary<string, FieldValue>> Features(EntityEvent departure)
    {
        var distance = departure.Fields is not null && departure.Fields.TryGetValue("distance", out var d) ? d.Number : 0;
        return new Dictionary<string, IReadOnlyDictionary<string, FieldValue>>
        {
            ["time"] = new Dictionary<string, FieldValue>
            {
                ["hour"] = departure.Time.Hour.ToString(CultureInfo.InvariantCulture),
                ["dow"] = departure.Time.DayOfWeek.ToString(),
            },
            ["origin"] = new Dictionary<string, FieldValue> { ["airport"] = departure.Keys["origin"] },
            ["destination"] = new Dictionary<string, FieldValue> { ["airport"] = departure.Keys["destination"] },
            ["route"] = new Dictionary<string, FieldValue> { ["route"] = departure.Keys["route"] },
            ["trip"] = new Dictionary<string, FieldValue> { ["log_distance"] = Math.Log(1 + Math.Max(0, distance)) },
        };
    }

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
