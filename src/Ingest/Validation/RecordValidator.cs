using System.Text.Json;
using Streaming.Contracts;

namespace Streaming.Ingest.Validation;

/// <summary>
/// Checks one record (UTF-8 JSON) against the event or label contract. Strict on purpose: unknown or
/// duplicate fields are rejected, since a misspelt "feilds" accepted quietly would be data lost quietly.
/// The ingest clock (<c>now</c>) is a parameter so a replay can validate against its simulated time.
/// </summary>
public sealed class RecordValidator(IngestOptions options)
{
    private static readonly string[] EventFields = ["id", "type", "time", "keys", "fields"];
    private static readonly string[] LabelFields = ["id", "name", "value", "time", "eventId", "predictionId", "keys", "eventTime"];
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 16 };

    public Verdict Validate(IngestStream stream, ReadOnlyMemory<byte> utf8, DateTimeOffset now) =>
        stream == IngestStream.Events ? ValidateEvent(utf8, now) : ValidateLabel(utf8, now);

    public Verdict ValidateEvent(ReadOnlyMemory<byte> utf8, DateTimeOffset now) => Run(utf8, EventFields, "event", fields =>
    {
        RequiredString(fields, "id");
        RequiredString(fields, "type");
        CheckWindow(RequiredTime(fields, "time"), now);
        var keys = Keys(fields) ?? throw new RejectedException(RejectionReasons.MissingKeys, "An event needs \"keys\": an object of entity kind → entity id.");
        if (fields.TryGetValue("fields", out var values)) CheckFieldValues(values);
        return EntityKey.Canonical(keys);
    });

    public Verdict ValidateLabel(ReadOnlyMemory<byte> utf8, DateTimeOffset now) => Run(utf8, LabelFields, "label", fields =>
    {
        var id = RequiredString(fields, "id");
        RequiredString(fields, "name");
        FiniteNumber(fields.TryGetValue("value", out var value) ? value : throw Missing("value"), "value");
        var time = RequiredTime(fields, "time");
        CheckWindow(time, now);
        var eventId = OptionalString(fields, "eventId");
        var predictionId = OptionalString(fields, "predictionId");
        if (eventId is null && predictionId is null)
            throw new RejectedException(RejectionReasons.InvalidTarget, "A label names what it labels: \"predictionId\" (online learning needs it), \"eventId\", or both.");
        if (fields.TryGetValue("eventTime", out var eventTimeElement) && Time(eventTimeElement, "eventTime") > time)
            throw new RejectedException(RejectionReasons.LabelBeforeEvent, "\"time\" (when the outcome became known) precedes \"eventTime\".");
        return Label.PartitionKeyFor(Keys(fields), eventId, predictionId, id);
    });

    private Verdict Run(ReadOnlyMemory<byte> utf8, string[] allowed, string kind, Func<Dictionary<string, JsonElement>, string> check)
    {
        if (utf8.Length > options.MaxRecordBytes)
            return Verdict.Reject(RejectionReasons.Oversized, $"The record has {utf8.Length} bytes; at most {options.MaxRecordBytes} are accepted.");
        if (utf8.Span.Trim(" \t\r\n"u8).IsEmpty)
            return Verdict.Reject(RejectionReasons.MalformedJson, "The record is empty.");
        // JSON is UTF-8; the parser below checks a string's bytes only when the string is read, which is too late.
        if (!System.Text.Unicode.Utf8.IsValid(utf8.Span))
            return Verdict.Reject(RejectionReasons.InvalidUtf8, "The record is not valid UTF-8 (JSON text is UTF-8).");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, ParseOptions);
        }
        catch (JsonException e)
        {
            return MalformedJson(utf8.Span, e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return Verdict.Reject(RejectionReasons.NotAnObject, $"An {kind} is a JSON object, not {Describe(document.RootElement.ValueKind)}.");
            try
            {
                return Verdict.Valid(check(Properties(document.RootElement, allowed, kind)));
            }
            catch (RejectedException r)
            {
                return Verdict.Reject(r.Reason, r.Message);
            }
            catch (Exception e) when (UnreadableRecord.Is(e))
            {
                // A string the parser took but cannot turn into text, e.g. an escaped lone surrogate ("\ud800").
                return Verdict.Reject(RejectionReasons.MalformedJson, $"The record holds a string that is not valid text: {e.Message}");
            }
        }
    }

    private static Dictionary<string, JsonElement> Properties(JsonElement root, string[] allowed, string kind)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (Array.IndexOf(allowed, property.Name) < 0)
                throw new RejectedException(RejectionReasons.UnknownField, $"\"{property.Name}\" is not a field of an {kind}; the fields are {string.Join(", ", allowed)}.");
            if (!fields.TryAdd(property.Name, property.Value))
                throw new RejectedException(RejectionReasons.DuplicateField, $"\"{property.Name}\" appears more than once.");
        }
        return fields;
    }

    private static string RequiredString(Dictionary<string, JsonElement> fields, string name) =>
        OptionalString(fields, name) ?? throw Missing(name);

    private static string? OptionalString(Dictionary<string, JsonElement> fields, string name)
    {
        if (!fields.TryGetValue(name, out var element)) return null;
        if (element.ValueKind != JsonValueKind.String)
            throw WrongType(name, "a string", element);
        var value = element.GetString()!;
        if (string.IsNullOrWhiteSpace(value))
            throw new RejectedException(RejectionReasons.EmptyValue, $"\"{name}\" is empty.");
        return value;
    }

    private static DateTimeOffset RequiredTime(Dictionary<string, JsonElement> fields, string name) =>
        Time(fields.TryGetValue(name, out var element) ? element : throw Missing(name), name);

    private static DateTimeOffset Time(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.String) throw WrongType(name, "an ISO 8601 time string", element);
        // The parser every consumer reads the record with (System.Text.Json's ISO 8601 profile), so what ingest accepts they can read.
        if (!element.TryGetDateTimeOffset(out var time))
            throw new RejectedException(RejectionReasons.InvalidTime, $"\"{name}\" is not an ISO 8601 time: \"{element.GetString()}\".");
        return time;
    }

    private void CheckWindow(DateTimeOffset time, DateTimeOffset now)
    {
        if (time > now + options.MaxFutureSkew)
            throw new RejectedException(RejectionReasons.TimeInFuture, $"\"time\" {time:O} is more than {options.MaxFutureSkew} ahead of the ingest clock ({now:O}).");
        if (time < now - options.MaxEventAge)
            throw new RejectedException(RejectionReasons.TimeTooOld, $"\"time\" {time:O} is more than {options.MaxEventAge} behind the ingest clock ({now:O}); load history through a backfill.");
    }

    private static Dictionary<string, string>? Keys(Dictionary<string, JsonElement> fields)
    {
        if (!fields.TryGetValue("keys", out var element)) return null;
        if (element.ValueKind != JsonValueKind.Object) throw WrongType("keys", "an object", element);
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in element.EnumerateObject())
        {
            if (string.IsNullOrWhiteSpace(key.Name))
                throw new RejectedException(RejectionReasons.EmptyKey, "An entity key has an empty name.");
            if (key.Value.ValueKind != JsonValueKind.String) throw WrongType($"keys.{key.Name}", "a string", key.Value);
            var value = key.Value.GetString()!;
            if (string.IsNullOrWhiteSpace(value))
                throw new RejectedException(RejectionReasons.EmptyKey, $"Entity key \"{key.Name}\" is empty.");
            if (!keys.TryAdd(key.Name, value))
                throw new RejectedException(RejectionReasons.DuplicateField, $"Entity key \"{key.Name}\" appears more than once.");
        }
        if (keys.Count == 0) throw new RejectedException(RejectionReasons.MissingKeys, "\"keys\" is empty: name at least one entity.");
        return keys;
    }

    private void CheckFieldValues(JsonElement values)
    {
        if (values.ValueKind != JsonValueKind.Object) throw WrongType("fields", "an object", values);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in values.EnumerateObject())
        {
            if (!names.Add(field.Name))
                throw new RejectedException(RejectionReasons.DuplicateField, $"Field \"{field.Name}\" appears more than once.");
            switch (field.Value.ValueKind)
            {
                case JsonValueKind.Number: FiniteNumber(field.Value, $"fields.{field.Name}"); break;
                case JsonValueKind.String or JsonValueKind.True or JsonValueKind.False: break;
                default: throw WrongType($"fields.{field.Name}", "a number, a string or a boolean", field.Value);
            }
        }
    }

    private double FiniteNumber(JsonElement element, string name)
    {
        // System.Text.Json and others write non-finite doubles as these strings.
        if (element.ValueKind == JsonValueKind.String && element.GetString() is "NaN" or "Infinity" or "-Infinity")
            throw new RejectedException(RejectionReasons.NonFiniteNumber, $"\"{name}\" is not a finite number: {element.GetRawText()}.");
        if (element.ValueKind != JsonValueKind.Number) throw WrongType(name, "a number", element);
        if (!element.TryGetDouble(out var value) || !double.IsFinite(value))
            throw new RejectedException(RejectionReasons.NonFiniteNumber, $"\"{name}\" is not a finite number: {element.GetRawText()}.");
        if (Math.Abs(value) > options.MaxMagnitude)
            throw new RejectedException(RejectionReasons.OutOfRange, $"\"{name}\" is {value:G6}; numbers are at most {options.MaxMagnitude:G3} in magnitude (Ingest:MaxMagnitude).");
        return value;
    }

    /// <summary>NaN and ±Infinity are not JSON, but many producers write them: say so rather than "malformed".</summary>
    private static Verdict MalformedJson(ReadOnlySpan<byte> utf8, JsonException e)
    {
        var offset = Offset(utf8, e.LineNumber ?? 0, e.BytePositionInLine ?? 0);
        var rest = utf8[Math.Min(offset, utf8.Length)..];
        if (rest.StartsWith("NaN"u8) || rest.StartsWith("Infinity"u8) || rest.StartsWith("-Infinity"u8) || rest.StartsWith("+Infinity"u8))
            return Verdict.Reject(RejectionReasons.NonFiniteNumber, $"NaN and Infinity are not numbers in JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).");
        return Verdict.Reject(RejectionReasons.MalformedJson, e.Message);
    }

    private static int Offset(ReadOnlySpan<byte> utf8, long line, long byteInLine)
    {
        var start = 0;
        for (var i = 0; i < line; i++)
        {
            var next = utf8[start..].IndexOf((byte)'\n');
            if (next < 0) return utf8.Length;
            start += next + 1;
        }
        return (int)Math.Min(utf8.Length, start + byteInLine);
    }

    private static RejectedException Missing(string name) => new(RejectionReasons.MissingField, $"\"{name}\" is required.");

    private static RejectedException WrongType(string name, string expected, JsonElement actual) =>
        new(RejectionReasons.WrongType, $"\"{name}\" must be {expected}, not {Describe(actual.ValueKind)}.");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private sealed class RejectedException(string reason, string detail) : Exception(detail)
    {
        public string Reason { get; } = reason;
    }
}
