using System.Text.Json;
using Streaming.Contracts;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// A record of the events or labels topic as the topology reads it: parsed once, or the
/// reason it could not be (such a record is dead-lettered with its original bytes, never skipped).
/// </summary>
/// <param name="Reason">Why it is dead-lettered: <see cref="MalformedReason"/>, or a <see cref="RecordBounds"/> reason.</param>
internal sealed record SourceRecord(string Stream, byte[] Raw, long IngestMs, EntityEvent? Event = null, Label? Label = null, string? Error = null,
    string Reason = SourceRecord.MalformedReason)
{
    public const string MalformedReason = "malformed_record";

    public bool IsValid => Error is null;

    public static SourceRecord Parse(string stream, byte[]? raw, long ingestMs)
    {
        if (stream is not (Topics.Events or Topics.Labels)) throw new ArgumentOutOfRangeException(nameof(stream), stream, "tiles are folded from events and labels");
        if (raw is null || raw.Length == 0) return new SourceRecord(stream, raw ?? [], ingestMs, Error: "an empty record (a tombstone, or no value)");
        if (RecordBounds.SizeProblem(raw.Length) is { } size) return new SourceRecord(stream, raw, ingestMs, Error: size, Reason: RecordBounds.Oversized);
        try
        {
            if (stream == Topics.Events)
            {
                var entityEvent = JsonSerializer.Deserialize(raw, ContractsJsonContext.Default.EntityEvent);
                if (entityEvent is not { Id: not null, Type: not null, Keys: not null } || entityEvent.Keys.Any(k => k.Value is null))
                    return Invalid("an event needs id, type, time and keys");
                if (RecordBounds.TimeProblem(entityEvent.Time, ingestMs) is { } eventTime) return Invalid(eventTime, RecordBounds.TimeOutOfRange);
                if (RecordBounds.FieldsProblem(entityEvent.Fields) is { } field) return Invalid(field, RecordBounds.NumberOutOfRange);
                return new SourceRecord(stream, raw, ingestMs, Event: entityEvent);
            }
            var label = JsonSerializer.Deserialize(raw, ContractsJsonContext.Default.Label);
            if (label is not { Id: not null, Name: not null } || (label.EventId ?? label.PredictionId) is null || (label.Keys?.Any(k => k.Value is null) ?? false))
                return Invalid("a label needs id, name, value, time and an event id or prediction id");
            if (RecordBounds.TimeProblem(label.Time, ingestMs) is { } labelTime) return Invalid(labelTime, RecordBounds.TimeOutOfRange);
            if (RecordBounds.NumberProblem("value", label.Value) is { } value) return Invalid(value, RecordBounds.NumberOutOfRange);
            return new SourceRecord(stream, raw, ingestMs, Label: label);
        }
        catch (Exception e) when (UnreadableRecord.Is(e))
        {
            return Invalid(e.Message);
        }

        SourceRecord Invalid(string why, string reason = MalformedReason) => new(stream, raw, ingestMs, Error: why, Reason: reason);
    }
}
