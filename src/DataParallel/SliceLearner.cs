using Streaming.Contracts;
using Streaming.Learning;

namespace Streaming.DataParallel;

/// <summary>
/// Learns one partition's slice of a round, in offset order, on a copy of the round's version (its weights and its SGD
/// step count), and returns the delta. It depends on nothing but the version and the slice, so whichever worker learns
/// it, and however often after a crash, the update is the same bit for bit.
/// </summary>
public sealed class SliceLearner(LearnerSpec spec)
{
    private readonly OnlineModel _model = new(spec, metricsWindow: 1);

    public LearnerSpec Spec => spec;

    public int Slots => _model.Learner.Hasher.Slots;

    /// <summary>Starts a slice from the version's weights and step count.</summary>
    public void Begin(float[] weights, long steps)
    {
        weights.CopyTo(_model.Learner.Optimizer.Weights, 0);
        _model.Learner.Optimizer.Steps = steps;
        _observations.Clear();
        _watermark = null;
    }

    private readonly List<double> _observations = [];
    private DateTimeOffset? _watermark;

    /// <summary>Predicts, then learns one example; the outcome says why when it was not learned.</summary>
    public ExampleOutcome Learn(TrainingExample example)
    {
        var outcome = _model.Process(example);
        if (!outcome.Learned) return outcome;
        _observations.Add(outcome.Prediction);
        _observations.Add(outcome.Target);
        _observations.Add(outcome.Loss);
        if (_watermark is null || example.Time > _watermark) _watermark = example.Time;
        return outcome;
    }

    /// <summary>The slice's update against <paramref name="weights"/> (the version it began from).</summary>
    public PartitionUpdate Finish(float[] weights, int partition, long start, long end, long skipped)
    {
        var learned = _model.Learner.Optimizer.Weights;
        var slots = new List<int>();
        var deltas = new List<float>();
        for (var slot = 0; slot < learned.Length; slot++)
        {
            var delta = learned[slot] - weights[slot];
            if (delta == 0) continue;
            slots.Add(slot);
            deltas.Add(delta);
        }
        return new PartitionUpdate(partition, start, end, skipped, _watermark?.ToUnixTimeMilliseconds(), [.. slots], [.. deltas], [.. _observations]);
    }
}
