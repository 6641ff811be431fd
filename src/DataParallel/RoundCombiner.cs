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
        var weights = model.Learner.Optimizer.Weights;
        var ordered = updates.OrderBy(u => u.Partition).ToList();
        var learned = ordered.Sum(u => u.Learned);
        if (learned == 0) return 0;
        var sum = new double[weights.Length];
        foreach (var update in ordered)
        {
            var scale = combine == RoundCombine.Average ? update.Learned / (double)learned : 1.0;
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
