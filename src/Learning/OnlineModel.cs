using Streaming.Contracts;
using Streaming.Learning.Hashing;
using Streaming.Learning.Validation;

namespace Streaming.Learning;

/// <summary>What became of one training example.</summary>
public readonly record struct ExampleOutcome(bool Learned, double Prediction, double Target, double Loss, string? Reason, string? Detail);

/// <summary>
/// One model as the learner runs it: validate, hash, predict-before-learn, score, learn. No I/O: the
/// learner service feeds it examples and persists it with <see cref="ModelState"/>.
/// </summary>
public sealed class OnlineModel
{
    private readonly SparseVector _features = new();

    public OnlineModel(LearnerSpec spec, int metricsWindow = 10_000)
    {
        Learner = new LinearLearner(spec);
        Metrics = new ProgressiveMetrics(Learner.Loss.IsClassification, metricsWindow);
    }

    public LinearLearner Learner { get; }
    public ProgressiveMetrics Metrics { get; }
    public LearnerSpec Spec => Learner.Spec;

    /// <summary>Latest event time learned from: how fresh the model's knowledge is.</summary>
    public DateTimeOffset? Watermark { get; set; }

    public ExampleOutcome Process(TrainingExample example)
    {
        var (target, reason, detail) = ExampleValidator.Check(example, Spec, Learner.Loss.IsClassification);
        if (reason is not null) return new ExampleOutcome(false, double.NaN, double.NaN, double.NaN, reason, detail);
        Learner.Hasher.Hash(example.Features, _features);
        var (prediction, loss) = Learner.Learn(_features, target);
        Metrics.Add(prediction, target, loss);
        if (Watermark is null || example.Time > Watermark) Watermark = example.Time;
        return new ExampleOutcome(true, prediction, target, loss, null, null);
    }

    public byte[] SaveState() => ModelState.Save(Learner, Metrics);

    public void LoadState(byte[] payload) => ModelState.Load(payload, Learner, Metrics);
}
