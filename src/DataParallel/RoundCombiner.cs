using Streaming.Learning;

namespace Streaming.DataParallel;

/// <summary>
/// Closes a synchronous round: the partitions' deltas, combined in partition order (<see cref="RoundCombine"/>), move the
/// version's weights to the next version's; the examples' observations join the model's progressive metrics in the same
/// order; the step count advances by the examples learned. Deterministic: the same updates give the same model.
/// </summary>
public static class RoundCombiner
{
    public static long Apply(OnlineModel model, IReadOnlyList<PartitionUpdate> updates, RoundCombine combine)
    {
        var learned = updates.Sum(u => u.Learned);
        return Apply(model, updates, update => combine == RoundCombine.Average ? update.Learned / (double)learned : 1.0);
    }

    /// <summary>
    /// Asynchronous updates: each slice is applied as it arrives, from whatever version it began, so no round's example
    /// count is known. Average scales each by 1 / partitions, its share when every partition moves alike.
    /// </summary>
    public static long ApplySlices(OnlineModel model, IReadOnlyList<PartitionUpdate> slices, RoundCombine combine, int partitions) =>
        Apply(model, slices, _ => combine == RoundCombine.Average ? 1.0 / partitions : 1.0);

    private static long Apply(OnlineModel model, IReadOnlyList<PartitionUpdate> updates, Func<PartitionUpdate, double> scaleOf)
    {
        var weights = model.Learner.Optimizer.Weights;
        var ordered = updates.OrderBy(u => u.Partition).ThenBy(u => u.Start).ToList();
        var learned = ordered.Sum(u => u.Learned);
        if (learned == 0) return 0;
        var sum = new double[weights.Length];
        foreach (var update in ordered)
        {
            var scale = scaleOf(update);
            for (var k = 0; k < update.Slots.Length; k++) sum[update.Slots[k]] += scale * update.Deltas[k];
        }
        for (var slot = 0; slot < weights.Length; slot++) weights[slot] += (float)sum[slot];
        foreach (var update in ordered)
        {
            var o = update.Observations;
            for (var i = 0; i + 2 < o.Length; i += 3) model.Metrics.Add(o[i], o[i + 1], o[i + 2]);
            if (update.WatermarkMs is { } ms && (model.Watermark is null || DateTimeOffset.FromUnixTimeMilliseconds(ms) > model.Watermark))
                model.Watermark = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }
        model.Learner.Optimizer.Steps += learned;
        return learned;
    }
}
