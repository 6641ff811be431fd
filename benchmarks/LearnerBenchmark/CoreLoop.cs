using System.Diagnostics;
using Streaming.Contracts;
using Streaming.Learning;
using Streaming.Learning.Validation;

namespace Streaming.Benchmarks.Learner;

/// <summary>The learning core alone, on one thread, over pre-hashed batches: no parsing, no I/O.</summary>
public static class CoreLoop
{
    /// <summary>
    /// Progressive validation. <paramref name="wholeBatchFirst"/>: the way scikit-learn is scored here,
    /// each batch of 1,000 predicted with the model as it was before the batch, then learned (losses from
    /// the margin, the same formula as the Python script). Otherwise as the learner service runs: each
    /// example predicted just before it is learned.
    /// </summary>
    public static ModelMetrics Progressive(FlightStream stream, LearnerSpec spec, bool wholeBatchFirst)
    {
        var learner = new LinearLearner(spec);
        var metrics = new ProgressiveMetrics(classification: true, window: FlightStream.BatchSize);
        var predictions = new double[FlightStream.BatchSize];
        var losses = new double[FlightStream.BatchSize];
        foreach (var batch in stream.Batches)
        {
            if (wholeBatchFirst)
            {
                for (var e = 0; e < batch.Count; e++)
                {
                    var point = learner.Loss.Evaluate(learner.Optimizer.Margin(batch.Indices(e), batch.Values(e)), batch.Targets[e]);
                    metrics.Add(point.Prediction, batch.Targets[e], point.Loss);
                }
                learner.LearnBatch(batch, predictions, losses);
            }
            else
            {
                learner.LearnBatch(batch, predictions, losses);
                for (var e = 0; e < batch.Count; e++) metrics.Add(predictions[e], batch.Targets[e], losses[e]);
            }
        }
        return metrics.Snapshot();
    }

    /// <summary>
    /// The loss of what serving would answer: each example scored by a frozen copy of the weights taken every
    /// <paramref name="snapshotEvery"/> examples (version 0, all zeros, before the first), while the learner goes on
    /// learning every example. The gap to the per-example progressive loss is what snapshot lag costs.
    /// </summary>
    public static double ServedFromSnapshots(FlightStream stream, LearnerSpec spec, int snapshotEvery)
    {
        var learner = new LinearLearner(spec);
        var served = new float[learner.Weights.Length];
        var predictions = new double[FlightStream.BatchSize];
        var losses = new double[FlightStream.BatchSize];
        double lossSum = 0;
        long count = 0, sinceSnapshot = 0;
        foreach (var batch in stream.Batches)
        {
            for (var e = 0; e < batch.Count; e++)
                lossSum += learner.Loss.Evaluate(Dot(served, batch.Indices(e), batch.Values(e)), batch.Targets[e]).Loss;
            learner.LearnBatch(batch, predictions, losses);
            count += batch.Count;
            sinceSnapshot += batch.Count;
            if (sinceSnapshot < snapshotEvery) continue;
            learner.Weights.CopyTo(served);
            sinceSnapshot = 0;
        }
        return lossSum / count;

        static double Dot(float[] weights, ReadOnlySpan<int> indices, ReadOnlySpan<float> values)
        {
            double sum = 0;
            for (var k = 0; k < indices.Length; k++) sum += weights[indices[k]] * (double)values[k];
            return sum;
        }
    }

    /// <summary>
    /// Examples/s of predict-then-learn (<see cref="LinearLearner.LearnBatch"/>) over the whole stream:
    /// the median of <paramref name="passes"/> timed passes, after warming up for at least two seconds so
    /// that tiered compilation has replaced the quick first-tier code (timing that code instead
    /// understated the loop by a factor of three).
    /// </summary>
    public static double ExamplesPerSecond(FlightStream stream, LearnerSpec spec, int passes)
    {
        var learner = new LinearLearner(spec);
        var predictions = new double[FlightStream.BatchSize];
        var losses = new double[FlightStream.BatchSize];
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < TimeSpan.FromSeconds(2)) Pass();
        var rates = new List<double>();
        for (var pass = 0; pass < passes; pass++)
        {
            var clock = Stopwatch.StartNew();
            Pass();
            rates.Add(stream.Count / clock.Elapsed.TotalSeconds);
        }
        rates.Sort();
        return rates[rates.Count / 2];

        void Pass()
        {
            foreach (var batch in stream.Batches) learner.LearnBatch(batch, predictions, losses);
        }
    }
}
