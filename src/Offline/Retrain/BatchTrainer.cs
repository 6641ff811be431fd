using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using Streaming.Contracts;
using Streaming.Learning;

namespace Streaming.Offline.Retrain;

/// <summary>How a batch fit ended.</summary>
public sealed record BatchFit(LinearLearner Model, int Examples, int Iterations, string Exit, double TrainingLoss);

/// <summary>
/// The online model's family fitted in batch: the same hashed features and loss (from the learner's spec), all
/// examples at once, L2-regularized, minimized with MathNet.Numerics' L-BFGS over many full passes. The result is a
/// <see cref="LinearLearner"/> (plain SGD state, so it can be saved, exported to ONNX and served like any snapshot).
/// </summary>
internal static class BatchTrainer
{
    public static BatchFit Fit(LearnerSpec spec, IEnumerable<TrainingExample> examples, double l2 = 1e-4, int maxIterations = 200)
    {
        var learner = new LinearLearner(spec with { Optimizer = "sgd" });
        var batch = learner.HashValid(examples);
        var slots = learner.Hasher.Slots;
        var bias = learner.Hasher.BiasSlot;
        var objective = ObjectiveFunction.Gradient(w =>
        {
            var weights = w.AsArray() ?? w.ToArray();
            var gradient = new double[slots];
            double total = 0;
            for (var e = 0; e < batch.Count; e++)
            {
                var indices = batch.Indices(e);
                var values = batch.Values(e);
                double margin = 0;
                for (var k = 0; k < indices.Length; k++) margin += weights[indices[k]] * values[k];
                var point = learner.Loss.Evaluate(margin, batch.Targets[e]);
                total += point.Loss;
                for (var k = 0; k < indices.Length; k++) gradient[indices[k]] += point.Gradient * values[k];
            }
            var n = Math.Max(1, batch.Count);
            double penalty = 0;
            for (var i = 0; i < slots; i++)
            {
                gradient[i] /= n;
                if (i == bias) continue; // the bias is not shrunk
                penalty += weights[i] * weights[i];
                gradient[i] += l2 * weights[i];
            }
            return (total / n + l2 / 2 * penalty, Vector<double>.Build.Dense(gradient));
        });
        var minimizer = new LimitedMemoryBfgsMinimizer(1e-6, 1e-10, 1e-10, memory: 7, maximumIterations: maxIterations);
        MinimizationResult result;
        try
        {
            result = minimizer.FindMinimum(objective, Vector<double>.Build.Dense(slots));
        }
        catch (MaximumIterationsException e)
        {
            throw new InvalidOperationException($"L-BFGS did not converge in {maxIterations} iterations; raise the limit or the L2 strength.", e);
        }
        var fitted = learner.Optimizer.Weights;
        for (var i = 0; i < slots; i++) fitted[i] = (float)result.MinimizingPoint[i];
        return new BatchFit(learner, batch.Count, result.Iterations, result.ReasonForExit.ToString(), result.FunctionInfoAtMinimum.Value);
    }
}
