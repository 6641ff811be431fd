using System.Text.Json;
using System.Text.Json.Serialization;

namespace Streaming.Contracts;

/// <summary>What kind of value an event field holds.</summary>
public enum FieldKind { Number, Text, Boolean }

/// <summary>
/// A typed event field: a finite number, a string or a boolean. JSON has no other scalar we accept,
/// so the wire form is just the bare JSON value.
/// </summary>
[JsonConverter(typeof(FieldValueJsonConverter))]
public readonly record struct FieldValue
{
    private FieldValue(FieldKind kind, double number, string? text, bool boolean)
    {
        Kind = kind;
        Number = number;
        Text = text;
        Boolean = boolean;
    }

    public FieldKind Kind { get; }
    public double Number { get; }
    public string? Text { get; }
    public bool Boolean { get; }

    public static FieldValue Of(double number) => new(FieldKind.Number, number, null, false);
    public static FieldValue Of(string text) => new(FieldKind.Text, 0, text, false);
    public static FieldValue Of(bool boolean) => new(FieldKind.Boolean, 0, null, boolean);

    public static implicit operator FieldValue(double number) => Of(number);
    public static implicit operator FieldValue(string text) => Of(text);
    public static implicit operator FieldValue(bool boolean) => Of(boolean);

    public override string ToString() => Kind switch
    {
        FieldKind.Number => Number.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        FieldKind.Text => Text ?? string.Empty,
        _ => Boolean ? "true" : "false",
    };
}

/// <summary>Public because other assemblies' JSON source generators serialize <see cref="FieldValue"/> through it.</summary>
public sealed class FieldValueJsonConverter : JsonConverter<FieldValue>
{
    public override FieldValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Number => FieldValue.Of(reader.GetDouble()),
            JsonTokenType.String => FieldValue.Of(reader.GetString()!),
            JsonTokenType.True => FieldValue.Of(true),
            JsonTokenType.False => FieldValue.Of(false),
            _ => throw new JsonException($"A field value must be a number, a string or a boolean, not {reader.TokenType}."),
        };

    public override void Write(Utf8JsonWriter writer, FieldValue value, JsonSerializerOptions options)
    {
        switch (value.Kind)
        {
            case FieldKind.Number when double.IsFinite(value.Number): writer.WriteNumberValue(value.Number); break;
            // Not JSON, written anyway so that ingest validation names the problem (non_finite_number)
            // instead of the serializer throwing inside a producer.
            case FieldKind.Number: writer.WriteRawValue(value.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), skipInputValidation: true); break;
            case FieldKind.Text: writer.WriteStringValue(value.Text); break;
            default: writer.WriteBooleanValue(value.Boolean); break;
        }
    }
}
