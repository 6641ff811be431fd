namespace Streaming.FeatureStore.Definitions;

/// <summary>
/// The views one model uses, and which events it predicts: each event of <see cref="PredictedEventType"/>
/// gets every view's value as of its time (for entities it names), the point-in-time features its label
/// is later joined with.
/// </summary>
public sealed class FeatureSet
{
    public FeatureSet(IReadOnlyList<FeatureView> views, string predictedEventType)
    {
        foreach (var view in views) view.Validate();
        var duplicate = views.GroupBy(v => v.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Feature view '{duplicate.Key}' is declared twice.");
        Views = views;
        PredictedEventType = predictedEventType;
    }

    public IReadOnlyList<FeatureView> Views { get; }

    public string PredictedEventType { get; }

    public FeatureView this[string name] => Views.First(v => v.Name == name);
}
