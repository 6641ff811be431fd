using Streaming.Contracts;

namespace Streaming.Learning.Validation;

/// <summary>
/// Decides whether a training example may touch the weights, and what its target is. A rejected example
/// is skipped with its reason (counted and dead-lettered by the learner), never learned.
/// </summary>
public static class ExampleValidator
{
    public const string MissingLabel = "missing_label";
    public const string NonFiniteLabel = "non_finite_label";
    public const string UnknownLabel = "unknown_label";
    public const string NonFiniteFeature = "non_finite_feature";
    public const string FeatureOutOfRange = "feature_out_of_range";
    public const string MissingFeatures = "missing_features";

    public static (double Target, string? Reason, string? Detail) Check(TrainingExample example, LearnerSpec spec, bool classification)
    {
        if (example.Label is not { } label) return (0, MissingLabel, "The example has no label.");
        if (!double.IsFinite(label)) return (0, NonFiniteLabel, $"The label is {label}.");
        var target = spec.TargetThreshold is { } threshold ? (label > threshold ? 1 : 0) : label;
        if (classification && target is not (0 or 1))
            return (0, UnknownLabel, $"A {spec.Loss} model learns labels 0 and 1, not {label}; set a target threshold.");
        if (example.Features is null || example.Features.Count == 0) return (0, MissingFeatures, "The example has no features.");
        foreach (var (ns, values) in example.Features)
        {
            foreach (var (name, value) in values)
            {
                if (value.Kind != FieldKind.Number) continue;
                if (!double.IsFinite(value.Number)) return (0, NonFiniteFeature, $"Feature {ns}.{name} is {value.Number}.");
                if (Math.Abs(value.Number) > spec.MaxAbsFeature)
                    return (0, FeatureOutOfRange, $"Feature {ns}.{name} = {value.Number} is beyond ±{spec.MaxAbsFeature}.");
            }
        }
        return (target, null, null);
    }
}
