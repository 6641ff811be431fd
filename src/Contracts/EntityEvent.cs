using System.Text.Json.Serialization;

namespace Streaming.Contracts;

/// <summary>
/// Something that happened to one or more entities at <see cref="Time"/> (event time, not arrival time).
/// Generic for any domain: a flight departure is type "flight.departure" keyed by origin, destination and route.
/// </summary>
/// <param name="Id">Unique id; labels refer to it.</param>
/// <param name="Type">Event type, e.g. "flight.departure".</param>
/// <param name="Time">When it happened.</param>
/// <param name="Keys">Entity keys (entity kind → entity id); at least one, none empty.</param>
/// <param name="Fields">Typed values carried by the event.</param>
public sealed record EntityEvent(
    string Id,
    string Type,
    DateTimeOffset Time,
    IReadOnlyDictionary<string, string> Keys,
    IReadOnlyDictionary<string, FieldValue>? Fields = null)
{
    /// <summary>The Kafka message key: all of an entity's events land on one partition, in order.</summary>
    [JsonIgnore]
    public string PartitionKey => EntityKey.Canonical(Keys);
}
