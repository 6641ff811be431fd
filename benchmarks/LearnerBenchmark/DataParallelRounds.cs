using System.Diagnostics;
using Streaming.Contracts;
using Streaming.DataParallel;
using Streaming.Learning;

namespace Streaming.Benchmarks.Learner;

public sealed record RoundsResult(ModelMetrics Metrics, long Versions, double ExamplesPerSecond, byte[] State);

/// <summary>
/// Synchronous data-parallel rounds in memory, with the parameter server's own parts (<see cref="SliceLearner"/>,
/// <see cref="RoundCombiner"/>) and no broker or Redis: what the combine rule and the round size cost in progressive
/// loss, against serial SGD on the same rows. Example i goes to partition i mod partitions, as the benchmark publishes
/// them, so the service run with the same settings must end with this model bit for bit.
/// </summary>
public static class DataParallelRounds
{
    public static RoundsResult Run(IReadOnlyList<TrainingExample> examples, int partitions, LearnerSpec spec, int roundExamples, RoundCombine combine)
    {
        var slices = Enumerable.Range(0, partitions).Select(p => examples.Where((_, i) => i % partitions == p).ToList()).ToList();
        var model = new OnlineModel(spec);
        var learner = new SliceLearner(spec);
        var starts = new int[partitions];
        long versions = 0;
        var clock = Stopwatch.StartNew();
        while (Enumerable.Range(0, partitions).Any(p => starts[p] < slices[p].Count))
        {
            var weights = model.Learner.Optimizer.Weights.ToArray();
            var updates = new List<PartitionUpdate>(partitions);
            for (var p = 0; p < partitions; p++)
            {
                learner.Begin(weights, model.Learner.Optimizer.Steps);
                var end = Math.Min(starts[p] + roundExamples, slices[p].Count);
                long skipped = 0;
                for (var i = starts[p]; i < end; i++)
                    if (!learner.Learn(slices[p][i]).Learned) skipped++;
                updates.Add(learner.Finish(weights, p, starts[p], end, skipped));
                starts[p] = end;
            }
            RoundCombiner.Apply(model, updates, combine);
            versions++;
        }
        return new RoundsResult(model.Metrics.Snapshot(), versions, examples.Count / clock.Elapsed.TotalSeconds, model.SaveState());
    }
}
