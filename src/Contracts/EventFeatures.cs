using System.Globalization;

namespace Streaming.Contracts;

/// <summary>
/// The features an event carries by itself, before any streaming feature: the hour and day of week of its
/// time, one namespace per entity key (its id, categorical), and its fields (numbers as a signed log,
/// which keeps counts and distances on one scale; text categorical; booleans). Defined once for the
/// label join, for serving's request-time features and for examples built without streaming features.
/// </summary>
public static class EventFeatures
{
    public static Dictionary<string, IReadOnlyDictionary<string, FieldValue>> From(EntityEvent entityEvent)
    {
        var features = new Dictionary<string, IReadOnlyDictionary<string, FieldValue>>
        {
            ["time"] = new Dictionary<string, FieldValue>
            {
                ["hour"] = entityEvent.Time.UtcDateTime.Hour.ToString(CultureInfo.InvariantCulture),
                ["dow"] = entityEvent.Time.UtcDateTime.DayOfWeek.ToString(),
            },
        };
        foreach (var (kind, id) in entityEvent.Keys) features[kind] = new Dictionary<string, FieldValue> { ["id"] = id };
        if (entityEvent.Fields is { Count: > 0 } fields)
        {
            var values = new Dictionary<string, FieldValue>();
            foreach (var (name, value) in fields)
            {
                if (value.Kind == FieldKind.Number) values[$"log_{name}"] = SignedLog(value.Number);
                else values[name] = value;
            }
            features["fields"] = values;
        }
        return features;
    }

    public static double SignedLog(double x) => Math.Sign(x) * Math.Log(1 + Math.Abs(x));
}
