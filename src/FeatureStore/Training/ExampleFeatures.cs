using Streaming.Contracts;

namespace Streaming.FeatureStore.Training;

/// <summary>
/// The one definition of a model's input: the event's own features (<see cref="EventFeatures"/>) plus one
/// namespace per view. The label join builds training examples with it and serving builds requests with it,
/// so the model sees the same shape in both.
/// </summary>
public static class ExampleFeatures
{
    public static Dictionary<string, IReadOnlyDictionary<string, FieldValue>> Compose(EntityEvent entityEvent, IEnumerable<ViewSnapshot> views)
    {
        var features = EventFeatures.From(entityEvent);
        foreach (var view in views) features[view.View] = ViewFeatures(view);
        return features;
    }

    /// <summary>A view's values, plus "defaulted" when they stand in for missing data, so a model can tell the two apart.</summary>
    public static Dictionary<string, FieldValue> ViewFeatures(ViewSnapshot view)
    {
        var values = view.Values.ToDictionary(v => v.Key, v => FieldValue.Of(v.Value));
        if (view.IsDefault) values["defaulted"] = true;
        return values;
    }
}
