namespace Streaming.Drift;

/// <summary>Configuration section "Drift": the sensitivity of every detector and the alert hysteresis.</summary>
public sealed class DriftOptions
{
    public const string Section = "Drift";

    /// <summary>ADWIN's confidence: smaller means fewer false alarms and later detection.</summary>
    public double AdwinDelta { get; set; } = 0.0002;

    /// <summary>Page-Hinkley: the rise of the cumulative loss deviation that counts as a change.</summary>
    public double PageHinkleyThreshold { get; set; } = 50;

    /// <summary>Page-Hinkley: deviations smaller than this are tolerated.</summary>
    public double PageHinkleyDelta { get; set; } = 0.05;

    /// <summary>Per-example losses are capped here first, so one absurd example cannot look like a drift.</summary>
    public double LossCap { get; set; } = 5;

    /// <summary>Examples without a detection before a concept-drift alert is resolved.</summary>
    public int ResolveAfterExamples { get; set; } = 20_000;

    /// <summary>Data drift: PSI at or above this (with a significant KS test) opens an alert...</summary>
    public double PsiAlert { get; set; } = 0.2;

    /// <summary>...and below this, for <see cref="CalmChecksToResolve"/> checks in a row, resolves it.</summary>
    public double PsiResolve { get; set; } = 0.1;

    /// <summary>Data drift: the KS p-value must also be below this.</summary>
    public double KsAlpha { get; set; } = 0.001;

    public int CalmChecksToResolve { get; set; } = 3;

    /// <summary>Recent values per feature compared with the reference.</summary>
    public int RecentWindow { get; set; } = 5_000;

    /// <summary>No data-drift verdict on fewer recent values than this.</summary>
    public int MinRecentValues { get; set; } = 500;

    /// <summary>How often serving compares its recent window with the reference.</summary>
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromSeconds(10);
}
