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

    /// <summary>1 for a count-only view; the field's number otherwise, or null when the event lacks it (counted as missing).</summary>
    public static double? ValueOf(FeatureView view, EntityEvent entityEvent)
    {
        if (view.Field is null) return 1;
        return entityEvent.Fields is not null && entityEvent.Fields.TryGetValue(view.Field, out var field)
            && field.Kind == FieldKind.Number && double.IsFinite(field.Number) ? field.Number : null;
    }

    /// <summary>The entity a label counts for in a label-sourced view (at the label's own time), or null.</summary>
    public static string? EntityOf(FeatureView view, Label label) =>
        view.Source == FeatureSource.Labels && label.Name == view.RecordName && label.Keys is not null ? EntityOf(view, label.Keys) : null;
}
