using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Streaming.Contracts;

namespace Streaming.FeatureStore.Definitions;

/// <summary>
/// What a record contributes to a view: the entity it counts for and the value folded in. The one mapping from
/// records to view inputs, used by the streaming topology and by the backfill alike.
/// </summary>
public static class ViewInputs
{
    /// <summary>The view's entity id in a record's keys, or null when the record does not name it.</summary>
    public static string? EntityOf(FeatureView view, IReadOnlyDictionary<string, string> keys) =>
        keys.TryGetValue(view.Entity, out var entity) && !string.IsNullOrEmpty(entity) ? entity : null;

    /// <summary>Whether an event is of the view's source at all (its type, and the view reads events).</summary>
    public static bool Feeds(FeatureView view, EntityEvent entityEvent) =>
        view.Source == FeatureSource.Events && entityEvent.Type == view.RecordName;

    /// <summary>
    /// 1 for a count-only view; the field's number otherwise; for a view counting distinct values of a key or field, a
    /// number standing for that value (<see cref="DistinctValue"/>). Null when the event lacks it (counted as missing).
    /// </summary>
    public static double? ValueOf(FeatureView view, EntityEvent entityEvent)
    {
        if (view.DistinctOf is { } distinctOf) return DistinctValue(entityEvent.Keys, entityEvent.Fields, distinctOf);
        if (view.Field is null) return 1;
        return entityEvent.Fields is not null && entityEvent.Fields.TryGetValue(view.Field, out var field)
            && field.Kind == FieldKind.Number && double.IsFinite(field.Number) ? field.Number : null;
    }

    /// <summary>The label's value; for a view counting distinct values of a key, the number standing for it (null when the label lacks it).</summary>
    public static double? ValueOf(FeatureView view, Label label) =>
        view.DistinctOf is { } distinctOf ? DistinctValue(label.Keys, null, distinctOf) : label.Value;

    /// <summary>
    /// A key's or field's value as a number for the distinct-count sketch: its text's 32-bit hash, which a double
    /// holds exactly (two values share one only by a hash collision, far rarer than the sketch's own error).
    /// </summary>
    private static double? DistinctValue(IReadOnlyDictionary<string, string>? keys, IReadOnlyDictionary<string, FieldValue>? fields, string name)
    {
        string? text = null;
        if (keys is not null && keys.TryGetValue(name, out var key) && !string.IsNullOrEmpty(key)) text = key;
        else if (fields is not null && fields.TryGetValue(name, out var field))
            text = field.Kind switch
            {
                FieldKind.Number => field.Number.ToString("R", CultureInfo.InvariantCulture),
                FieldKind.Boolean => field.Boolean ? "true" : "false",
                _ => field.Text,
            };
        return text is null ? null : XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>The entity a label counts for in a label-sourced view (at the label's own time), or null.</summary>
    public static string? EntityOf(FeatureView view, Label label) =>
        view.Source == FeatureSource.Labels && label.Name == view.RecordName && label.Keys is not null ? EntityOf(view, label.Keys) : null;
}
