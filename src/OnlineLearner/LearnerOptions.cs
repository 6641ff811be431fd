using System.ComponentModel.DataAnnotations;
using Streaming.Learning;

namespace Streaming.OnlineLearner;

/// <summary>Configuration section "Learner".</summary>
public sealed class LearnerOptions
{
    public const string Section = "Learner";

    public string Model { get; set; } = "flights-delay";

    /// <summary>The model family and its hyperparameters.</summary>
    public LearnerSpec Spec { get; set; } = new() { TargetThreshold = 15 };

    /// <summary>
    /// More models learned from the same training examples, each with its own name and spec (e.g. SGD beside FTRL): each
    /// runs as a learner of its own (its own consumer group, snapshots and metrics) with the other settings of this section,
    /// so serving can A/B them (a rollout between the two names). Its <c>Spec</c> section holds only what differs from
    /// <see cref="Spec"/>: --Learner:Also:0:Model=flights-delay-sgd --Learner:Also:0:Spec:Optimizer=sgd.
    /// </summary>
    [Microsoft.Extensions.Options.ValidateEnumeratedItems]
    public List<LearnerArm> Also { get; set; } = [];

    /// <summary>These settings for one of <see cref="Also"/>: its name and spec, everything else as configured here.</summary>
    public LearnerOptions For(string model, LearnerSpec spec)
    {
        var options = (LearnerOptions)MemberwiseClone();
        options.Model = model;
        options.Spec = spec;
        options.Also = [];
        return options;
    }

    /// <summary>A micro-batch ends at this many examples...</summary>
    [Range(1, 1_000_000)]
    public int BatchSize { get; set; } = 1000;

    /// <summary>...or after this long, whichever comes first.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan BatchMaxWait { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Snapshot after this many learned examples...</summary>
    [Range(1, int.MaxValue)]
    public int SnapshotEveryExamples { get; set; } = 50_000;

    /// <summary>...or this long after the last snapshot when anything was learned since.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan SnapshotEvery { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Snapshots kept per model; older ones are pruned.</summary>
    [Range(1, 10_000)]
    public int RetainSnapshots { get; set; } = 10;

    /// <summary>Examples in the progressive-validation window.</summary>
    [Range(1, 100_000_000)]
    public int MetricsWindow { get; set; } = 10_000;

    /// <summary>
    /// What the learner does on a confirmed concept drift of its progressive loss (both detectors alerting):
    /// "alert" (default: nothing beyond the alerts) or "boost" (raise the learning rate by <see cref="DriftBoostFactor"/>,
    /// so the model catches up with the new concept sooner).
    /// </summary>
    public ConceptDriftAction OnConceptDrift { get; set; } = ConceptDriftAction.Alert;

    [Range(1.0, 1000.0)]
    public double DriftBoostFactor { get; set; } = 3;

    /// <summary>
    /// Label ids remembered to drop repeated examples (the join delivers at least once, so an example can come twice
    /// after a restart of the feature pipeline). On resume the learner reads this many examples before its snapshot's
    /// offsets again, without learning them, so a repeat is recognised across its own restarts too.
    /// </summary>
    [Range(0, 100_000_000)]
    public int DedupWindow { get; set; } = 100_000;

    /// <summary>Stop (after a final snapshot) once caught up with the topic: for batch-like runs and tests.</summary>
    public bool StopWhenCaughtUp { get; set; }
}

/// <summary>One more model of <see cref="LearnerOptions.Also"/>: its name (its <c>Spec</c> section is bound over a copy of the main spec).</summary>
public sealed class LearnerArm
{
    [Required(AllowEmptyStrings = false)]
    public string Model { get; set; } = "";
}

/// <summary>What the learner does on a confirmed concept drift, beyond the alert every drift raises.</summary>
public enum ConceptDriftAction
{
    /// <summary>Nothing more: operators decide (roll back, retrain).</summary>
    Alert,
    /// <summary>Raise the learning rate by Learner:DriftBoostFactor, so the model follows the new concept sooner.</summary>
    Boost,
}
