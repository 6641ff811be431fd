namespace Streaming.Learning;

/// <summary>
/// Everything that defines a model family and its training: stored in every snapshot's manifest, so a
/// snapshot says how it was made. Defaults suit binary classification of hashed categorical features.
/// </summary>
public sealed record LearnerSpec
{
    /// <summary>logistic, squared, absolute or huber.</summary>
    public string Loss { get; init; } = "logistic";

    /// <summary>sgd, adagrad, ftrl or normalized.</summary>
    public string Optimizer { get; init; } = "ftrl";

    public int Bits { get; init; } = 18;

    /// <summary>Namespace pairs crossed as quadratic features, e.g. ["origin", "hour"].</summary>
    public IReadOnlyList<string[]> Interactions { get; init; } = [];

    public const string RawNumbers = "raw";
    public const string Log1pNumbers = "log1p";
    public const string BinnedNumbers = "bins";

    /// <summary>
    /// How a numeric feature enters: "raw" as given, or "log1p", sign(x)·ln(1 + |x|), which keeps counts, minutes and
    /// miles within a few units, so a plain SGD step does not blow up on a feature in the thousands; or "bins", the
    /// quarter-unit bin of that signed log as a categorical feature (value 1), so a linear model learns a curve per
    /// feature (a mean delay of 40 minutes is not twice as bad as 20) and every feature has the scale of a category.
    /// </summary>
    public string Numbers { get; init; } = RawNumbers;

    public double LearningRate { get; init; } = 0.1;
    public double Decay { get; init; } = 1e-4;
    public double Power { get; init; } = 0.5;
    public double L1 { get; init; }
    public double L2 { get; init; }
    public double FtrlAlpha { get; init; } = 0.1;
    public double FtrlBeta { get; init; } = 1.0;
    public double HuberDelta { get; init; } = 1.0;

    /// <summary>How a raw label becomes the target: null keeps it; a number makes it 1 when label &gt; threshold, else 0.</summary>
    public double? TargetThreshold { get; init; }

    /// <summary>Loss and optimizer, e.g. "logistic/ftrl": how a snapshot names the family it belongs to.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Algorithm => $"{Loss}/{Optimizer}";

    /// <summary>Examples with a feature beyond this magnitude are rejected as out of range.</summary>
    public double MaxAbsFeature { get; init; } = 1e6;
}
