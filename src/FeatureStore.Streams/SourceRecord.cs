using System.Text.Json;
using Streaming.Contracts;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// A record of the events or labels topic as the topology reads it: parsed once, or the
/// reason it could not be (such a record is dead-lettered with its original bytes, never skipped).
/// </summary>
public sealed record SourceRecord(string Stream, byte[] Raw, long IngestMs, EntityEvent? Event = null, Label? Label = null, string? Error = null)
{
    public const string MalformedReason = "malformed_record";

    public bool IsValid => Error is null;

    public static SourceRecord Parse(string stream, byte[]? raw, long ingestMs)
    {
        if (stream is not (Topics.Events or Topics.Labels)) throw new ArgumentOutOfRangeException(nameof(stream), stream, "tiles are folded from events and labels");
        if (raw is null || raw.Length == 0) return new SourceRecord(stream, raw ?? [], ingestMs, Error: "an empty record (a tombstone, or no value)");
        try
        {
            if (stream == Topics.Events)
            {
                var entityEvent = JsonSerializer.Deserialize(raw, ContractsJsonContext.Default.EntityEvent);
                return entityEvent is { Id: not null, Type: not null, Keys: not null } && entityEvent.Keys.All(k => k.Value is not null)
                    ? new SourceRecord(stream, raw, ingestMs, Event: entityEvent)
                    : Invalid("an event needs id, type, time and keys");
            }
            var label = JsonSerializer.Deserialize(raw, ContractsJsonContext.Default.Label);
            return label is { Id: not null, Name: not null } && double.IsFinite(label.Value) && (label.EventId ?? label.PredictionId) is not null
                && (label.Keys is null || label.Keys.All(k => k.Value is not null))
                ? new SourceRecord(stream, raw, ingestMs, Label: label)
                : Invalid("a label needs id, name, a finite value, time and an event id or prediction id");
        }
        catch (Exception e) when (UnreadableRecord.Is(e))
        {
            return Invalid(e.Message);
        }

        SourceRecord Invalid(string why) => new(stream, raw, ingestMs, Error: why);
    }
}
