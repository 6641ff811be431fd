using System.ComponentModel.DataAnnotations;
using Streaming.Learning;

namespace Streaming.DataParallel;

/// <summary>Configuration section "DataParallel": one model learned by N workers through the parameter server.</summary>
public sealed class DataParallelOptions : IValidatableObject
{
    public const string Section = "DataParallel";

    [Required(AllowEmptyStrings = false)]
    public string Model { get; set; } = "flights-delay-dp";

    /// <summary>
    /// The model's spec. Only "sgd": its weights are its whole state, so a delta of weights is a delta of the model.
    /// FTRL and the adaptive optimizers keep per-coordinate state that averaging weights would leave inconsistent.
    /// Rate 0.1 with power 0.5 is the learner's plain SGD and measured best with averaged rounds (LearnerBenchmark, dp part).
    /// </summary>
    public LearnerSpec Spec { get; set; } = new() { TargetThreshold = 15, Optimizer = "sgd", Numbers = LearnerSpec.Log1pNumbers };

    /// <summary>Examples each partition contributes to one synchronous round (fewer when it has fewer).</summary>
    [Range(1, 10_000_000)]
    public int RoundExamples { get; set; } = 10_000;

    /// <summary>
    /// How a round's partition deltas become the next version. Averaged by example count (default): on 100,000 flights
    /// over 4 partitions it stays within 0.04 of serial SGD at any round size, where summing diverged (LearnerBenchmark, dp part).
    /// </summary>
    public RoundCombine Combine { get; set; } = RoundCombine.Average;

    /// <summary>
    /// Synchronous rounds (default): every partition's slice begins from the same version and the round closes when all
    /// are in, so the model depends on nothing but the data. Asynchronous: each slice begins from the newest version and
    /// is applied the moment it arrives, so no worker waits for the slowest; the model then depends on timing.
    /// </summary>
    public UpdateMode Updates { get; set; } = UpdateMode.Synchronous;

    /// <summary>Redis keys the weights (and each round's deltas) are sharded over.</summary>
    [Range(1, 4096)]
    public int Shards { get; set; } = 16;

    /// <summary>How often a waiting worker or parameter server looks at the round again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>How long a round that found nothing to learn waits before it is tried again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan IdleWait { get; set; } = TimeSpan.FromMilliseconds(500);

    [Range(1, 10_000)]
    public int RetainSnapshots { get; set; } = 10;

    [Range(1, 100_000_000)]
    public int MetricsWindow { get; set; } = 10_000;

    /// <summary>Stop once a round finds no example left in any partition: for batch-like runs, tests and the benchmark.</summary>
    public bool StopWhenCaughtUp { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Spec.Optimizer != "sgd")
            yield return new ValidationResult(
                $"DataParallel:Spec:Optimizer must be 'sgd' (it is '{Spec.Optimizer}'): only plain SGD keeps no per-coordinate state beside its weights, so only its deltas can be combined.",
                [nameof(Spec)]);
    }
}

/// <summary>How the deltas of a round's partitions are combined into the next version.</summary>
public enum RoundCombine
{
    /// <summary>w + Σ δₚ: every example moves the model as much as it would alone; but N partitions' steps from one stale version overshoot, and it diverged when measured.</summary>
    Sum,
    /// <summary>w + Σ nₚ·δₚ / Σ nₚ: model averaging, as federated averaging does.</summary>
    Average,
}

/// <summary>How the workers' slices meet: <see cref="DataParallelOptions.Updates"/>.</summary>
public enum UpdateMode
{
    Synchronous,
    Asynchronous,
}
