using Streaming.Learning;

namespace Streaming.OnlineLearner;

/// <summary>Configuration section "Learner".</summary>
public sealed class LearnerOptions
{
    public const string Section = "Learner";

    public string Model { get; set; } = "flights-delay";

    /// <summary>The model family and its hyperparameters.</summary>
    public LearnerSpec Spec { get; set; } = new() { TargetThreshold = 15 };

    /// <summary>A micro-batch ends at this many examples...</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>...or after this long, whichever comes first.</summary>
    public TimeSpan BatchMaxWait { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Snapshot after this many learned examples...</summary>
    public int SnapshotEveryExamples { get; set; } = 50_000;

    /// <summary>...or this long after the last snapshot when anything was learned since.</summary>
    public TimeSpan SnapshotEvery { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Snapshots kept per model; older ones are pruned.</summary>
    public int RetainSnapshots { get; set; } = 10;

    /// <summary>Examples in the progressive-validation window.</summary>
    public int MetricsWindow { get; set; } = 10_000;

    /// <summary>
    /// What the learner does on a confirmed concept drift of its progressive loss (both detectors alerting):
    /// "alert" (default: nothing beyond the alerts) or "boost" (raise the learning rate by <see cref="DriftBoostFactor"/>,
    /// so the model catches up with the new concept sooner).
    /// </summary>
    public string OnConceptDrift { get; set; } = "alert";

    public double DriftBoostFactor { get; set; } = 3;

    /// <summary>
    /// Label ids remembered to drop repeated examples (the join delivers at least once, so an example can come twice
    /// after a restart of the feature pipeline). On resume the learner reads this many examples before its snapshot's
    /// offsets again, without learning them, so a repeat is recognised across its own restarts too.
    /// </summary>
    public int DedupWindow { get; set; } = 100_000;

    /// <summary>Stop (after a final snapshot) once caught up with the topic: for batch-like runs and tests.</summary>
    public bool StopWhenCaughtUp { get; set; }
}
