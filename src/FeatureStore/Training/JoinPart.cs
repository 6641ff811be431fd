using Streaming.Contracts;

namespace Streaming.FeatureStore.Training;

/// <summary>
/// One piece of a training example, keyed by what the label names (event id or prediction id); exactly
/// one property is set. Pieces arrive in any order; <see cref="TrainingExampleAssembler"/> completes them.
/// </summary>
/// <param name="Event">The predicted event itself (its own features), with the views it was probed in.</param>
/// <param name="ExpectedViews">With <paramref name="Event"/>: the views whose snapshot completes it.</param>
/// <param name="View">A view's values as of the event's time.</param>
/// <param name="AsOfMs">With <paramref name="View"/>: the event's time (the part's record time; answers given on a timer would otherwise carry the wall clock).</param>
/// <param name="Label">The outcome.</param>
/// <param name="Prediction">What serving logged: exactly the features it used.</param>
public sealed record JoinPart(
    EntityEvent? Event = null,
    IReadOnlyList<string>? ExpectedViews = null,
    ViewSnapshot? View = null,
    long? AsOfMs = null,
    Label? Label = null,
    PredictionLog? Prediction = null);

/// <summary>The pieces of one example gathered so far (the assembler's state).</summary>
/// <param name="FirstSeenMs">Stream time when the first piece arrived: what expiry is measured from.</param>
public sealed record PendingExample(
    long FirstSeenMs,
    EntityEvent? Event = null,
    IReadOnlyList<string>? ExpectedViews = null,
    IReadOnlyList<ViewSnapshot>? Views = null,
    Label? Label = null,
    PredictionLog? Prediction = null)
{
    public PendingExample With(JoinPart part) => this with
    {
        Event = part.Event ?? Event,
        ExpectedViews = part.ExpectedViews ?? ExpectedViews,
        Views = part.View is null ? Views : [.. (Views ?? []).Where(v => v.View != part.View.View), part.View],
        Label = part.Label ?? Label,
        Prediction = part.Prediction ?? Prediction,
    };

    /// <summary>The example, once the label and what it joins with are all here; otherwise null.</summary>
    public TrainingExample? TryComplete()
    {
        if (Label is null) return null;
        if (Label.PredictionId is not null)
            return Prediction is null ? null : new TrainingExample(Label.Id, Prediction.Time, Label.Value, Prediction.Features, Prediction.PredictionId,
                    Prediction.Score, Prediction.ModelVersion);
        if (Event is null || ExpectedViews is null || (Views?.Count ?? 0) < ExpectedViews.Count) return null;
        return new TrainingExample(Label.Id, Event.Time, Label.Value, ExampleFeatures.Compose(Event, Views!));
    }
}

/// <summary>What the assembler emits: a completed example, or a label that found nothing to join within the horizon.</summary>
public sealed record JoinOutcome(TrainingExample? Example, Label? Unmatched);
