using Streaming.Contracts;
using Streaming.Learning.Hashing;
using Streaming.Learning.Losses;
using Streaming.Learning.Optimizers;
using Streaming.Learning.Validation;

namespace Streaming.Learning;

/// <summary>
/// A sparse linear model over hashed features: <c>Predict</c>/<c>Learn</c> for one example or a batch,
/// in the manner of River's predict_one/learn_one. <c>Learn</c> returns the prediction made
/// before the update, which is what progressive validation scores. Deterministic: the same examples in
/// the same order give the same weights, bit for bit.
/// </summary>
public sealed class LinearLearner
{
    public LinearLearner(LearnerSpec spec)
    {
        Spec = spec;
        Hasher = FeatureHasher.For(spec);
        Loss = Losses.Losses.Create(spec.Loss, spec.HuberDelta);
        Optimizer = Optimizer.Create(spec, Hasher.Slots);
    }

    public LearnerSpec Spec { get; }
    public FeatureHasher Hasher { get; }
    public ILoss Loss { get; }
    public Optimizer Optimizer { get; }

    /// <summary>The weights; the bias is the last one (<see cref="FeatureHasher.BiasSlot"/>).</summary>
    public ReadOnlySpan<float> Weights => Optimizer.Weights;

    public double Margin(SparseVector x) => Optimizer.Margin(x.Indices, x.Values);

    public double Predict(SparseVector x) => Loss.Predict(Margin(x));

    /// <summary>Predicts, then learns from the target; returns the prediction and the loss it scored.</summary>
    public (double Prediction, double Loss) Learn(SparseVector x, double target) => Learn(x.Indices, x.Values, target);

    public (double Prediction, double Loss) Learn(ReadOnlySpan<int> indices, ReadOnlySpan<float> values, double target)
    {
        var point = Loss.Evaluate(Optimizer.Margin(indices, values), target);
        Optimizer.Update(indices, values, point.Gradient);
        return (point.Prediction, point.Loss);
    }

    public void PredictBatch(ExampleBatch batch, Span<double> predictions)
    {
        for (var e = 0; e < batch.Count; e++)
            predictions[e] = Loss.Predict(Optimizer.Margin(batch.Indices(e), batch.Values(e)));
    }

    /// <summary>Learns a batch in order; <paramref name="predictions"/> receives each prediction made before its update.</summary>
    public void LearnBatch(ExampleBatch batch, Span<double> predictions, Span<double> losses)
    {
        for (var e = 0; e < batch.Count; e++)
            (predictions[e], losses[e]) = Learn(batch.Indices(e), batch.Values(e), batch.Targets[e]);
    }
    /// <summary>The examples the validator accepts, hashed with this model's spec, with their targets.</summary>
    public ExampleBatch HashValid(IEnumerable<TrainingExample> examples)
    {
        var batch = new ExampleBatch();
        var row = new SparseVector();
        foreach (var example in examples)
        {
            var (target, reason, _) = ExampleValidator.Check(example, Spec, Loss.IsClassification);
            if (reason is not null) continue;
            Hasher.Hash(example.Features, row);
            batch.Add(row, target);
        }
        return batch;
    }

    /// <summary>Mean loss on examples (the valid ones) without learning, e.g. log loss on a held-out range.</summary>
    public double MeanLoss(IEnumerable<TrainingExample> examples)
    {
        var batch = HashValid(examples);
        double total = 0;
        for (var e = 0; e < batch.Count; e++) total += Loss.Loss(Optimizer.Margin(batch.Indices(e), batch.Values(e)), batch.Targets[e]);
        return batch.Count == 0 ? double.NaN : total / batch.Count;
    }
}
